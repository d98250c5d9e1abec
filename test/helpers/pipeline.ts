import { parsePipeline } from '../../src/pipeline/index.js';
import type { Pipeline } from '../../src/pipeline/types.js';

/** Parse `yaml` as repro.yaml with in-memory params files (`{ 'params.yaml': {...} }`). */
export function parse(yaml: string, params: Record<string, unknown> = {}): Pipeline {
  return parsePipeline(yaml, 'repro.yaml', { root: '/repo', readParams: (f) => params[f] });
}

/** Stage names in order. */
export const names = (p: Pipeline | { name: string }[]) => ('stages' in p ? p.stages : p).map((s) => s.name);
