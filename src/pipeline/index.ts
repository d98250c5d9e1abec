/**
 * `repro.yaml` → a validated, expanded pipeline with its stage graph; stage keys and selection.
 *
 * How to call it:
 *   const p = await loadPipeline(root);                 // parse, interpolate, expand, build the DAG
 *   const stages = selectStages(p, ['train'], {});     // targets + upstream, topological order
 *   const read = paramsReader(root);                   // cached params files
 *   const params = resolveParamValues(stage, read);    // → KeyComponents.params
 *   const key = stageKey({ cmd: stage.cmd, wdir: stage.wdir, params, deps, locks, env, seed, outs });
 */
export type * from './types.js';
export { loadPipeline, readParamsFile, paramsReader, PIPELINE_FILE, type LoadOptions } from './load.js';
export { parsePipeline, type ParseCtx } from './parse.js';
export { getParam, setParam, resolveParamValues } from './params.js';
export { stageKey, STAGE_KEY_VERSION } from './key.js';
export { selectStages } from './select.js';
export { renderDag, dagJson, type DagFormat, type DagJson } from './render.js';
export { SymlinkGuard } from './symlinks.js';
export { DEFAULT_PARAMS, PLOT_TEMPLATES } from './fields.js';
export { closest, didYouMean } from '../core/suggest.js';
