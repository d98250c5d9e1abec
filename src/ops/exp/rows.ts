import { flattenParams, summarize } from '../../compare/index.js';
import type { LoadedRun } from '../diff/run-records.js';
import { runSeed } from '../diff/run-records.js';
import type { RunRecord } from '../records/write.js';
import type { ExpCell, ExpRow } from '../../model/exp.js';

export type { ExpCell, ExpRow };

/**
 * The rows of `repro exp show`: one per run, or one per sweep (its runs' metrics summarised as
 * mean ± sem), grouped by the commit the runs started from. Pure over loaded records.
 */

/** Params a record's stages read, flattened: `key` for params.yaml, else `file:key`. */
export function recordParams(record: RunRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const st of Object.values(record.stages)) {
    for (const [file, keys] of Object.entries(st.components?.params ?? {})) {
      for (const [key, value] of Object.entries(keys)) {
        const flat = isObject(value) ? flattenParams(value, key) : new Map([[key, value]]);
        for (const [k, v] of flat) out[file === 'params.yaml' ? k : `${file}:${k}`] = v;
      }
    }
  }
  return out;
}

/** A record's metrics as `file:key` → number. */
export function recordMetrics(record: RunRecord): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [file, values] of Object.entries(record.metrics ?? {})) {
    for (const [key, v] of Object.entries(values ?? {})) if (typeof v === 'number') out[`${file}:${key}`] = v;
  }
  return out;
}

/**
 * Rows from runs newest first. Runs of one sweep collapse into one row unless `expand`; rows of
 * the same source commit are kept together, commits in the order their newest row appears.
 */
export function buildRows(runs: LoadedRun[], opts: { expand?: boolean } = {}): Omit<ExpRow, 'short_id'>[] {
  const groups = new Map<string, LoadedRun[]>();
  for (const run of runs) {
    const sweep = run.record.sweep?.id;
    const key = sweep && !opts.expand ? `sweep:${sweep}` : `run:${run.ref.id}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(run);
  }
  const rows = [...groups.values()].map(rowOf);
  const commitOrder = new Map<string, number>();
  for (const r of rows) if (!commitOrder.has(r.commit ?? '')) commitOrder.set(r.commit ?? '', commitOrder.size);
  return rows
    .map((r, i) => ({ r, i }))
    .sort((x, y) => commitOrder.get(x.r.commit ?? '')! - commitOrder.get(y.r.commit ?? '')! || x.i - y.i)
    .map((x) => x.r);
}

function rowOf(group: LoadedRun[]): Omit<ExpRow, 'short_id'> {
  const newest = group[0]!;
  const rec = newest.record;
  const byName = new Map<string, number[]>();
  for (const run of group) {
    for (const [name, v] of Object.entries(recordMetrics(run.record))) {
      if (!byName.has(name)) byName.set(name, []);
      byName.get(name)!.push(v);
    }
  }
  const metrics: Record<string, ExpCell> = {};
  for (const [name, values] of [...byName].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const s = summarize(values);
    metrics[name] = { mean: s.mean, sem: s.se, n: s.n, values };
  }
  const oldest = group[group.length - 1]!;
  const statuses = new Set(group.map((g) => g.record.status));
  return {
    id: newest.ref.id,
    run_ids: group.map((g) => g.ref.id),
    sweep: rec.sweep?.id ?? null,
    commit: newest.ref.parent,
    branch: rec.source?.branch ?? null,
    dirty: group.some((g) => Boolean(g.record.source?.dirty)),
    started_at: oldest.record.started_at,
    status: statuses.size === 1 ? rec.status : [...statuses].sort().join('/'),
    seeds: group.map((g) => runSeed(g.record)),
    params: recordParams(oldest.record),
    metrics,
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
