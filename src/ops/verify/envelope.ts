import { readFile, mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isErrno } from '../../core/errors.js';
import { absPath } from '../../core/paths.js';
import { envelopeOf, inEnvelope } from '../../compare/index.js';
import type { LockFile } from '../../lock/index.js';
import type { Pipeline, Stage } from '../../pipeline/index.js';
import { snapshotTree, type RepoInfo } from '../../record/index.js';
import type { EnvelopeInfo, EnvelopeRow, RerunCheck, RerunStage } from '../../model/verify.js';
import { worst } from './status.js';
import type { RepoContext } from '../context.js';
import { rerunIsolated } from '../isolated/engine.js';
import { parseMetricsText } from '../metrics/read.js';

/**
 * The reproducibility envelope (docs/verify.md): for a `deterministic: false` stage re-run by
 * `verify --rerun`, when `--seeds` is given or the stage says `tolerance: auto`, each metric is
 * judged against the band its values span across seeds (compare/envelope.ts) instead of a fixed
 * tolerance. The values come from re-running the stage once per seed of `--seeds` in an isolated
 * copy, else from the lock's `seed_metrics` (the last `repro run --seeds`). The recorded value
 * (the committed metrics file) and the re-run's value must both fall inside; then the stage is
 * `within-tolerance` whatever its other outputs' bytes, else `not-reproduced`.
 */
export async function applyEnvelopes(
  ctx: RepoContext,
  repo: RepoInfo,
  pipeline: Pipeline,
  lock: LockFile,
  rerun: RerunCheck,
  opts: { seeds?: number[]; env?: NodeJS.ProcessEnv; signal?: AbortSignal },
): Promise<RerunCheck> {
  const todo = rerun.stages.filter((s) => {
    const st = pipeline.byName.get(s.name);
    return st && !st.deterministic && (opts.seeds || st.toleranceAuto) && s.status !== 'failed' && s.status !== 'not-run';
  });
  if (todo.length === 0) return rerun;
  const tree = opts.seeds ? await snapshotTree({ repo, extraFiles: {} }) : null;
  for (const s of todo) {
    const stage = pipeline.byName.get(s.name)!;
    const values = tree ? await sweep(ctx, tree, lock, stage, opts.seeds!, opts) : fromLock(lock, s.name);
    s.envelope = await judge(ctx, stage, s, values, opts.seeds ? 'seeds' : 'seed_metrics');
    if (s.envelope.rows.length && s.input_changes.length === 0 && !s.outputs.some((o) => o.status === 'missing')) {
      s.status = s.envelope.rows.every((r) => r.within) ? 'within-tolerance' : 'not-reproduced';
    }
  }
  const ok = (x: RerunStage): boolean => x.status === 'reproduced' || x.status === 'within-tolerance';
  return { ...rerun, status: worst(rerun.stages.map((x) => (ok(x) ? 'pass' : 'fail'))) };
}

type Values = { seeds: number[]; byKey: Map<string, number[]> };

function fromLock(lock: LockFile, name: string): Values {
  const sm = lock.stages[name]?.seed_metrics ?? {};
  const seeds = Object.keys(sm)
    .map(Number)
    .sort((a, b) => a - b);
  const byKey = new Map<string, number[]>();
  for (const seed of seeds) for (const [k, v] of Object.entries(sm[String(seed)]!)) byKey.set(k, [...(byKey.get(k) ?? []), v]);
  return { seeds, byKey };
}

/** Re-run `stage` once per seed in one kept isolated copy and read its metrics files after each. */
async function sweep(
  ctx: RepoContext,
  tree: string,
  lock: LockFile,
  stage: Stage,
  seeds: number[],
  opts: { env?: NodeJS.ProcessEnv; signal?: AbortSignal },
): Promise<Values> {
  const byKey = new Map<string, number[]>();
  const done: number[] = [];
  const top = await realpath(await mkdtemp(join(tmpdir(), 'repro-seeds-')));
  try {
    for (const seed of seeds) {
      if (opts.signal?.aborted) break;
      const keep = join(top, String(seed));
      const res = await rerunIsolated({
        ctx,
        tree,
        lock,
        stages: [stage.name],
        keep,
        env: opts.env,
        signal: opts.signal,
        prepare: async () => ({ seed }),
      });
      if (res.stages.find((x) => x.name === stage.name)?.action !== 'executed') continue;
      done.push(seed);
      for (const [k, v] of Object.entries(await stageMetrics(keep, stage))) byKey.set(k, [...(byKey.get(k) ?? []), v]);
      await rm(keep, { recursive: true, force: true });
    }
  } finally {
    await rm(top, { recursive: true, force: true });
  }
  return { seeds: done, byKey };
}

/** "path:key" → value for every metrics file of `stage` under `root`. */
async function stageMetrics(root: string, stage: Stage): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const o of stage.outs.filter((x) => x.kind === 'metric')) {
    let text: string;
    try {
      text = await readFile(absPath(root, o.path), 'utf8');
    } catch (e) {
      if (isErrno(e, 'ENOENT')) continue;
      throw e;
    }
    for (const [k, v] of Object.entries(parseMetricsText(text, o.path))) out[`${o.path}:${k}`] = v;
  }
  return out;
}

async function judge(
  ctx: RepoContext,
  stage: Stage,
  s: RerunStage,
  values: Values,
  source: 'seeds' | 'seed_metrics',
): Promise<EnvelopeInfo> {
  const recorded = await stageMetrics(ctx.root, stage).catch(() => ({}) as Record<string, number>);
  const rerunVals = new Map<string, number>();
  for (const o of s.outputs) for (const m of o.metrics) if (m.rerun !== null) rerunVals.set(`${o.path}:${m.key}`, m.rerun);
  const rows: EnvelopeRow[] = [];
  for (const [key, vs] of [...values.byKey].sort(([a], [b]) => a.localeCompare(b))) {
    const e = envelopeOf(vs);
    if (!e) continue;
    const rec = recorded[key] ?? null;
    const identical = s.outputs.some((o) => key.startsWith(`${o.path}:`) && o.status === 'identical');
    const re = rerunVals.get(key) ?? (identical ? rec : null);
    const within = [rec, re].every((v) => v === null || inEnvelope(e, v));
    rows.push({ key, recorded: rec, rerun: re, n: e.n, mean: e.mean, lo: e.lo, hi: e.hi, min: e.min, max: e.max, within });
  }
  const note = rows.length
    ? null
    : `no envelope: ${values.seeds.length} seed${values.seeds.length === 1 ? '' : 's'} known; give --seeds 1-5, or run repro run --seeds 1-5 first`;
  return { source: rows.length ? source : 'none', seeds: values.seeds, rows, note };
}
