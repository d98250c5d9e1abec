import { join } from 'node:path';
import { ReproError } from '../../core/errors.js';
import { clip } from '../../core/text.js';
import { acquireRepoLock } from '../../core/repolock.js';
import { readLock, writeLock } from '../../lock/index.js';
import { loadPipeline, selectStages, type Pipeline } from '../../pipeline/index.js';
import { newRunId } from '../../record/index.js';
import { openContext } from '../context.js';
import { readWorkspaceMetrics } from '../metrics/read.js';
import { checkOverrideTargets, parseOverride, prepareOverrides } from './overrides.js';
import type { SweepResult } from '../../model/run.js';
import { run, type RunOptions } from './run.js';

/**
 * `repro run --seeds 1,2,3`: the pipeline once per seed, each run recorded on its own with the
 * sweep's id (`record.sweep`). Stages with `seed: false` keep the seed out of their key, so after
 * the first seed they are up to date and run once per sweep. When every seed succeeded:
 *
 * 1. a last run with the first seed puts that seed's outputs back (the run cache serves it; it is
 *    not recorded), so the workspace and repro.lock hold the FIRST seed's results;
 * 2. the per-seed metric values land in repro.lock as `seed_metrics` of the stages that declare
 *    the metrics files (seed → "path:key" → value), so a clone without run refs can still
 *    compare sweeps.
 *
 * The sweep stops at the first failed or interrupted seed; then neither step happens.
 */

export interface SweepOptions extends Omit<RunOptions, 'seed' | 'recordExtras' | 'dry'> {
  seeds: number[];
}

export type { SweepResult };

const MAX_SEEDS = 1000;

/** `1,2,3`, `1-5` or a mix (`1-3,7`), in the order given; duplicates and bad numbers are E_USAGE. */
export function parseSeeds(spec: string): number[] {
  const bad = (why: string): ReproError =>
    new ReproError('E_USAGE', `invalid --seeds '${clip(spec)}': ${why}`, { hint: 'use a list like 1,2,3 or a range like 1-5' });
  const out: number[] = [];
  for (const part of spec.split(',').map((p) => p.trim())) {
    const m = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(part);
    if (!m) throw bad(`'${part}' is not a seed or a range`);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi)) throw bad(`'${part}' is too large`);
    if (hi < lo) throw bad(`range '${part}' runs backwards`);
    if (hi - lo + out.length >= MAX_SEEDS) throw bad(`more than ${MAX_SEEDS} seeds`);
    for (let s = lo; s <= hi; s++) out.push(s);
  }
  const dup = out.find((s, i) => out.indexOf(s) !== i);
  if (dup !== undefined) throw bad(`seed ${dup} is listed twice`);
  return out;
}

export async function sweep(opts: SweepOptions): Promise<SweepResult> {
  const { seeds } = opts;
  if (seeds.length === 0) throw new ReproError('E_USAGE', 'no seeds to sweep', { hint: 'use --seeds 1,2,3 or --seeds 1-5' });
  const ctx = await openContext(opts.cwd);
  await checkSweep(ctx.root, opts, seeds[0]!);
  const id = newRunId();
  const res: SweepResult = { id, seeds, runs: [], restore: null, ok: false, interrupted: false, seedMetrics: {} };
  const perSeed = new Map<number, Record<string, Record<string, number>>>();
  let pipeline: Pipeline | null = null;
  for (const [index, seed] of seeds.entries()) {
    if (opts.signal?.aborted) {
      res.interrupted = true;
      return res;
    }
    opts.onEvent?.({
      type: 'notice',
      text: `seed ${seed} (${index + 1} of ${seeds.length}, sweep ${id})`,
      sweep: { seed, index, count: seeds.length },
    });
    const result = await run({
      ...opts,
      seed,
      overrides: index === 0 ? opts.overrides : undefined, // written into params.yaml by the first run
      recordExtras: { sweep: { id, seeds, index } },
    });
    res.runs.push({ seed, result });
    if (!result.ok || result.interrupted) {
      res.interrupted = result.interrupted;
      return res;
    }
    pipeline ??= await loadPipeline(ctx.root, { seed });
    perSeed.set(seed, result.metrics ?? (await readWorkspaceMetrics(pipeline))); // read by the record
  }
  res.restore = await run({ ...opts, seed: seeds[0], overrides: undefined, record: false, force: false });
  res.interrupted = res.restore.interrupted;
  if (!res.restore.ok) return res;
  res.seedMetrics = seedMetricsByStage(pipeline!, seeds, perSeed);
  await writeSeedMetrics(ctx.root, ctx.stateDir, res.seedMetrics);
  res.ok = true;
  const declared = await loadPipeline(ctx.root);
  const other = declared.stages.find((s) => s.seed !== null && s.seed !== seeds[0]);
  if (other) {
    opts.onEvent?.({
      type: 'notice',
      text: `the workspace holds the outputs of seed ${seeds[0]}; stage '${other.name}' declares seed ${other.seed}, so \`repro status\` reports it stale (start --seeds with the pipeline's seed to avoid this)`,
    });
  }
  return res;
}

/**
 * What the first run would refuse, checked before the first "seed N" notice: the pipeline loads
 * (with the `-S` overrides in memory, as `--dry` does), the overrides name params it reads, and
 * the targets exist. Nothing is written.
 */
async function checkSweep(root: string, opts: SweepOptions, seed: number): Promise<void> {
  const overrides = (opts.overrides ?? []).map(parseOverride);
  if (overrides.length) await prepareOverrides(root, overrides);
  const pipeline = await loadPipeline(root, { seed, overrides: Object.fromEntries(overrides.map((o) => [`${o.file}:${o.key}`, o.value])) });
  checkOverrideTargets(pipeline, overrides);
  selectStages(pipeline, opts.targets ?? [], { downstream: opts.downstream });
}

function seedMetricsByStage(
  p: Pipeline,
  seeds: number[],
  perSeed: Map<number, Record<string, Record<string, number>>>,
): SweepResult['seedMetrics'] {
  const out: SweepResult['seedMetrics'] = {};
  for (const s of p.stages) {
    const paths = s.outs.filter((o) => o.kind === 'metric').map((o) => o.path);
    if (paths.length === 0) continue;
    const bySeed: Record<string, Record<string, number>> = {};
    for (const seed of seeds) {
      const values: Record<string, number> = {};
      for (const path of paths) {
        for (const [k, v] of Object.entries(perSeed.get(seed)?.[path] ?? {})) values[`${path}:${k}`] = v;
      }
      if (Object.keys(values).length) bySeed[String(seed)] = values;
    }
    if (Object.keys(bySeed).length) out[s.name] = bySeed;
  }
  return out;
}

/** Set `seed_metrics` on the lock entries, under the repository lock (run() has released it). */
async function writeSeedMetrics(root: string, stateDir: string, byStage: SweepResult['seedMetrics']): Promise<void> {
  if (Object.keys(byStage).length === 0) return;
  const held = await acquireRepoLock(join(stateDir, 'lock'), { command: 'run --seeds' });
  try {
    const lock = await readLock(root);
    for (const [name, bySeed] of Object.entries(byStage)) {
      const entry = lock.stages[name];
      if (entry) entry.seed_metrics = bySeed;
    }
    await writeLock(root, lock);
  } finally {
    await held.release();
  }
}
