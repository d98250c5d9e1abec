import type { LockFile } from '../../lock/index.js';
import type { MetricData } from '../metrics/parse.js';
import { runSeed, type LoadedRun } from './run-records.js';

/** One metric on one side: a value per run (seed), seeds in the same order (null: unknown). */
export interface SideMetric {
  values: number[];
  seeds: (number | null)[];
}

export type MetricSource = 'runs' | 'seed_metrics' | 'files';

export interface CombinedMetrics {
  metrics: Record<string, SideMetric>;
  /** the runs whose values were used, newest first */
  runs: string[];
  sources: MetricSource[];
}

export interface CombineInput {
  /** the side's metrics files that exist and parse */
  files: Map<string, MetricData>;
  /** the lock whose seed_metrics count (null: none do, as for a run id's side) */
  seedMetricsFrom: LockFile | null;
  /** matching runs, newest first */
  runs: LoadedRun[];
  /** the metrics files the side declares (empty: every file a run recorded) */
  metricPaths: string[];
  /** the side's lock: gives a file's value the seed of the stage that wrote it */
  lock: LockFile | null;
  /**
   * Metrics files whose recorded values (runs, seed_metrics) no longer describe the side: the
   * file does not hash to what the lock records. Their values come from the file only.
   */
  drifted?: Set<string>;
}

/**
 * Per-seed values of every metric ("path:key"), from three places, best first:
 * 1. matching run records (one value per seed; for a seed run twice, the newest run);
 * 2. `seed_metrics` of the lock's stages (a sweep's values, committed: what a clone without run
 *    refs has), for seeds no run covers;
 * 3. the metrics files themselves: one value, under the seed `lock` records for the stage.
 * Chosen per metric, so a `seed: false` stage's metric without sweep values still shows.
 * A `drifted` file skips 1 and 2: its metrics are the file's values (none when it is gone).
 * Keys under a file's sample lists (`latency.0`, ...) are not metrics and are left out.
 */
export function combineMetrics(input: CombineInput): CombinedMetrics {
  const { files, seedMetricsFrom, runs, metricPaths, lock } = input;
  const drifted = input.drifted ?? new Set<string>();
  const recorded = (key: string): boolean => ![...drifted].some((p) => key.startsWith(`${p}:`));
  const bySeed = new Map<string, { seed: number | null; values: Record<string, number> }>();
  const at = (seed: number | null): Record<string, number> => {
    const k = seed === null ? 'none' : String(seed);
    if (!bySeed.has(k)) bySeed.set(k, { seed, values: {} });
    return bySeed.get(k)!.values;
  };
  const sources = new Set<MetricSource>();
  const wanted = new Set(metricPaths);
  const samplePrefixes = [...files].flatMap(([path, d]) => Object.keys(d.samples).map((k) => `${path}:${k}.`));
  const keep = (key: string): boolean => !samplePrefixes.some((p) => key.startsWith(p));

  for (const entry of Object.values(seedMetricsFrom?.stages ?? {})) {
    for (const [seed, values] of Object.entries(entry.seed_metrics ?? {})) {
      const n = Number(seed);
      const kept = Object.entries(values).filter(([k]) => recorded(k));
      if (kept.length === 0) continue;
      Object.assign(at(Number.isSafeInteger(n) ? n : null), Object.fromEntries(kept));
      sources.add('seed_metrics');
    }
  }
  const used: string[] = [];
  const taken = new Set<string>();
  for (const run of runs) {
    // newest first: the first run of a seed wins
    const seed = runSeed(run.record);
    const k = seed === null ? 'none' : String(seed);
    if (taken.has(k)) continue;
    taken.add(k);
    const declared = Object.keys(run.record.metrics ?? {}).filter((p) => !wanted.size || wanted.has(p));
    const paths = declared.filter((p) => !drifted.has(p));
    if (declared.length > 0 && paths.length === 0) continue; // it describes none of the files now
    used.push(run.ref.id);
    sources.add('runs');
    const values = at(seed);
    for (const path of paths) {
      for (const [key, v] of Object.entries(run.record.metrics[path]!)) if (typeof v === 'number') values[`${path}:${key}`] = v;
    }
  }

  const seeds = [...bySeed.values()].sort((a, b) => (a.seed ?? Infinity) - (b.seed ?? Infinity));
  const metrics: Record<string, SideMetric> = {};
  const keys = new Set<string>(seeds.flatMap((s) => Object.keys(s.values)));
  for (const [path, d] of files) for (const k of Object.keys(d.scalars)) keys.add(`${path}:${k}`);
  for (const key of [...keys].filter(keep).sort()) {
    const have = seeds.filter((s) => key in s.values);
    if (have.length) {
      metrics[key] = { values: have.map((s) => s.values[key]!), seeds: have.map((s) => s.seed) };
      continue;
    }
    const path = [...files.keys()].find((p) => key.startsWith(`${p}:`));
    const v = path === undefined ? undefined : files.get(path)!.scalars[key.slice(path.length + 1)];
    if (path === undefined || v === undefined) continue;
    metrics[key] = { values: [v], seeds: [fileSeed(lock, path)] };
    sources.add('files');
  }
  return { metrics, runs: used, sources: [...sources].sort() };
}

/** The seed the lock records for the stage writing `path`, else null. */
function fileSeed(lock: LockFile | null, path: string): number | null {
  for (const e of Object.values(lock?.stages ?? {})) if (e.outs && path in e.outs) return e.seed ?? null;
  return null;
}
