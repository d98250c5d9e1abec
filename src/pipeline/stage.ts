import { ReproError, type SourcePos } from '../core/errors.js';
import { clip } from '../core/text.js';
import { splitMetricRef } from '../core/metric-ref.js';
import { toRepoPath } from '../core/paths.js';
import type { PNode } from '../core/yaml.js';
import type { Instance } from './expand.js';
import { interpolate, interpolateString, type Scope } from './interpolate.js';
import { parseDeps, parseOuts, parseParams, type FieldCtx } from './fields.js';
import { asBool, asMap, asNumber, asString, toPlain } from './nodes.js';
import type { Stage } from './types.js';

/** Keys a stage body may have (`matrix`/`foreach`/`do` are consumed by expand.ts). */
export const STAGE_KEYS = [
  'cmd',
  'deps',
  'outs',
  'metrics',
  'plots',
  'params',
  'seed',
  'deterministic',
  'tolerance',
  'desc',
  'always_changed',
  'frozen',
  'wdir',
] as const;

/** A seed: a non-negative safe integer, or null for `seed: false`. */
export function checkSeed(v: unknown, what: string, pos: SourcePos): number | null {
  if (v === false) return null;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  throw new ReproError(
    'E_CONFIG',
    `${what} must be a non-negative integer or false, not '${clip(typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v)))}'`,
    { pos },
  );
}

export interface BuildCtx {
  /** Scope without locals: vars and the default params. */
  base: Scope;
  /** The pipeline seed, for stages without `seed`. */
  seed: number;
  /** Replaces a stage's own numeric seed (`repro run --seed N`); `seed: false` stays null. */
  seedOverride?: number;
  /** Position of the declared stage name. */
  pos: SourcePos;
  check: (rel: string, pos: SourcePos) => void;
  /** Collects each distinct wdir and where it is first written (checked on disk by the caller). */
  wdirs?: Map<string, SourcePos>;
}

/**
 * Build one stage instance. An error in a generated stage (`build@1`) names it: the body's line
 * is shared by every stage the group expands to, so its position alone does not say which.
 */
export function buildStage(inst: Instance, bctx: BuildCtx): Stage {
  if (inst.name === inst.group) return buildInstance(inst, bctx);
  try {
    return buildInstance(inst, bctx);
  } catch (e) {
    if (!(e instanceof ReproError) || e.message.includes(`'${inst.name}'`)) throw e;
    const message = e.pos ? e.message.slice(`${e.pos.file}:${e.pos.line}:${e.pos.col}: `.length) : e.message;
    throw new ReproError(e.code, `in stage '${inst.name}': ${message}`, { pos: e.pos, hint: e.hint, cause: e });
  }
}

function buildInstance(inst: Instance, bctx: BuildCtx): Stage {
  const { name, body } = inst;
  const { base, pos } = bctx;
  const fields = new Map(body.entries.map((e) => [e.key, e.value]));
  const opt = <T>(k: string, parse: (n: PNode) => T, dflt: T): T => {
    const n = fields.get(k);
    return n ? parse(n) : dflt;
  };

  // The seed first: `${seed}` in every other field is this stage's resolved seed.
  const seed = opt(
    'seed',
    (n) => {
      const raw =
        n.kind === 'scalar' && typeof n.value === 'string'
          ? interpolate(n.value, { ...base, locals: { ...inst.locals } }, n.pos) // `seed: ${item.seed}`
          : toPlain(n);
      const own = checkSeed(raw, `seed of stage '${name}'`, n.pos);
      return own !== null && bctx.seedOverride !== undefined ? bctx.seedOverride : own;
    },
    bctx.seed as number | null,
  );
  const scope: Scope = { ...base, locals: { ...inst.locals, seed } };

  const wdir = opt(
    'wdir',
    (n) => {
      const s = asString(n, `wdir of stage '${name}'`);
      const w = toRepoPath(interpolateString(s.value, scope, s.pos), { pos: s.pos });
      bctx.check(w, s.pos);
      if (!bctx.wdirs?.has(w)) bctx.wdirs?.set(w, s.pos);
      return w;
    },
    '',
  );
  const ctx: FieldCtx = { stage: name, scope, wdir, check: bctx.check };

  const cmdNode = fields.get('cmd');
  if (!cmdNode) throw new ReproError('E_CONFIG', `stage '${name}' has no cmd`, { pos, hint: 'add cmd: <command to run>' });
  const cmd = (cmdNode.kind === 'seq' ? cmdNode.items : [cmdNode]).map((c) => {
    const s = asString(c, `cmd of stage '${name}'`);
    const v = interpolateString(s.value, scope, s.pos, { lists: true });
    if (v.trim() === '') throw new ReproError('E_CONFIG', `cmd of stage '${name}' is empty`, { pos: s.pos });
    return v;
  });
  if (cmd.length === 0) throw new ReproError('E_CONFIG', `cmd of stage '${name}' is empty`, { pos: cmdNode.pos });

  const outs = [
    ...opt('outs', (n) => parseOuts(n, 'out', 'outs', ctx), []),
    ...opt('metrics', (n) => parseOuts(n, 'metric', 'metrics', ctx), []),
    ...opt('plots', (n) => parseOuts(n, 'plot', 'plots', ctx), []),
  ];
  const flag = (k: string, dflt: boolean) => opt(k, (n) => asBool(n, `${k} of stage '${name}'`), dflt);
  const stage: Stage = {
    name,
    group: inst.group,
    cmd,
    wdir,
    deps: opt('deps', (n) => parseDeps(n, ctx), []),
    outs,
    params: opt('params', (n) => parseParams(n, ctx), []),
    seed,
    deterministic: flag('deterministic', true),
    tolerance: opt(
      'tolerance',
      (n) =>
        n.kind === 'scalar' && n.value === 'auto'
          ? {}
          : parseTolerance(
              n,
              ctx,
              outs.map((o) => o.path),
            ),
      {},
    ),
    alwaysChanged: flag('always_changed', false),
    frozen: flag('frozen', false),
    pos,
  };
  const tol = fields.get('tolerance');
  if (tol?.kind === 'scalar' && tol.value === 'auto') stage.toleranceAuto = true;
  const desc = opt('desc', (n) => asString(n, `desc of stage '${name}'`).value, undefined);
  if (desc !== undefined) stage.desc = desc;
  return stage;
}

/**
 * Split `"path:metric.key"` at the last colon (the one before it for a sample summary,
 * `"path:latency:p95"`: core/metric-ref.ts) and make the path repo-relative to `base`;
 * returns the normalised `"path:key"`.
 */
export function metricRef(text: string, base: string, pos: SourcePos, what: string): { path: string; key: string; ref: string } {
  const { i } = splitMetricRef(text);
  if (i <= 0 || i === text.length - 1) {
    throw new ReproError('E_CONFIG', `${what} '${clip(text)}' must be "path:metric.key"`, { pos, hint: 'like "metrics.json:accuracy"' });
  }
  const path = toRepoPath(text.slice(0, i), { base, pos });
  const key = text.slice(i + 1);
  return { path, key, ref: `${path}:${key}` };
}

/** `tolerance: {"path:key": number ≥ 0}`; the path must be one of the stage's outputs. */
function parseTolerance(n: PNode, ctx: FieldCtx, outPaths: string[]): Record<string, number> {
  const map = asMap(n, `tolerance of stage '${ctx.stage}'`);
  const out: Record<string, number> = {};
  for (const e of map.entries) {
    const text = interpolateString(e.key, ctx.scope, e.keyPos);
    const m = metricRef(text, ctx.wdir, e.keyPos, `tolerance key`);
    if (!outPaths.includes(m.path)) {
      throw new ReproError('E_CONFIG', `tolerance of stage '${ctx.stage}' names '${clip(m.path)}', which the stage does not write`, {
        pos: e.keyPos,
        hint: outPaths.length ? `the stage writes: ${outPaths.join(', ')}` : 'declare the file under metrics:',
      });
    }
    const v = asNumber(e.value, `tolerance '${clip(text)}'`);
    if (v < 0) throw new ReproError('E_CONFIG', `tolerance '${clip(text)}' must be ≥ 0`, { pos: e.value.pos });
    out[m.ref] = v;
  }
  return out;
}
