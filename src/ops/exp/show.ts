import { findRepo } from '../../record/index.js';
import { loadRuns } from '../diff/run-records.js';
import { runsOnHistory } from '../records/read.js';
import { chooseColumns, resolveMetricName, sortRows, type ColumnOptions } from './columns.js';
import { buildRows } from './rows.js';
import type { ExpShowResult } from '../../model/exp.js';

export type { ExpShowResult };
import { shortIds } from './short-id.js';

export interface ExpShowOptions extends ColumnOptions {
  cwd: string;
  /** Every run, on any branch (default: those started from HEAD's first-parent history). */
  all?: boolean;
  /** At most this many rows (after grouping and sorting). */
  limit?: number;
  /** One row per run of a sweep instead of one per sweep. */
  seeds?: boolean;
  /** Order rows by this metric (`file:key`, or a unique key), highest first. */
  sortBy?: string;
  asc?: boolean;
}

/**
 * `repro exp show`: the recorded runs as a table of params × metrics. Runs whose record cannot
 * be read are left out (`repro log` lists them with their error).
 */
export async function expShow(opts: ExpShowOptions): Promise<ExpShowResult> {
  const repo = await findRepo(opts.cwd);
  const loaded = await loadRuns(repo);
  let scoped = loaded;
  if (!opts.all) {
    const kept = new Set(
      (
        await runsOnHistory(
          repo,
          loaded.map((l) => l.ref),
        )
      ).map((r) => r.id),
    );
    scoped = loaded.filter((l) => kept.has(l.ref.id));
  }
  let rows = buildRows(scoped, { expand: opts.seeds });
  let sortBy: string | null = null;
  if (opts.sortBy !== undefined) {
    sortBy = resolveMetricName(opts.sortBy, new Set(rows.flatMap((r) => Object.keys(r.metrics))), '--sort-by');
    rows = sortRows(rows, sortBy, Boolean(opts.asc));
  }
  const total = rows.length;
  if (opts.limit !== undefined) rows = rows.slice(0, opts.limit);
  const columns = chooseColumns(rows, opts);
  if (sortBy && !columns.metrics.includes(sortBy)) columns.metrics.unshift(sortBy);
  const short = shortIds(loaded.map((l) => l.ref.id));
  return {
    scope: opts.all ? 'all' : 'history',
    total,
    sort_by: sortBy,
    columns,
    rows: rows.map((r) => ({ ...r, short_id: short.get(r.id) ?? r.id })),
  };
}
