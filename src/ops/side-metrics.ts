import type { LockFile } from '../lock/index.js';
import type { MetricData } from './metric-data.js';
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

/**
 * Per-seed values of every metric ("path:key"), from three places, best first:
 * 1. matching run records (one value per seed; for a seed run twice, the newest run);
 * 2. `seed_metrics` of the lock's stages (a sweep's values, committed: what a clone without run
 *    refs has), for seeds no run covers;
 * 3. the metrics files themselves: one value, under the seed `lock` records for the stage.
 * Chosen per metric, so a `seed: false` stage's metric without sweep values still shows.
 * Keys under a file's sample lists (`latency.0`, ...) are not metrics and are left out.
 * `seedMetricsFrom` is the lock whose seed_metrics count (null: none do, as for a run id's side).
 */
export function combineMetrics(
  files: Map<string, MetricData>,
  seedMetricsFrom: LockFile | null,
  runs: LoadedRun[],
  metricPaths: string[],
  lock: LockFile | null = seedMetricsFrom,
): CombinedMetrics {
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
      Object.assign(at(Number.isSafeInteger(n) ? n : null), values);
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
    used.push(run.ref.id);
    sources.add('runs');
    const values = at(seed);
    for (const [path, m] of Object.entries(run.record.metrics ?? {})) {
      if (wanted.size && !wanted.has(path)) continue;
      for (const [key, v] of Object.entries(m)) if (typeof v === 'number') values[`${path}:${key}`] = v;
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
