import { isReproError } from '../../core/errors.js';
import { findRepo, listRuns, type RunRef } from '../../record/index.js';
import type { LogEntry, LogResult, RunRecord } from '../../model/records.js';
import { mapLimit } from '../../core/pool.js';
import { readRecord, runsOnHistory } from './read.js';

export interface LogOptions {
  cwd: string;
  /** Every run ref, not only those on HEAD's first-parent history. */
  all?: boolean;
  /** At most this many entries (newest first). */
  limit?: number;
}

export type { LogEntry, LogResult };

/**
 * `repro log`: runs newest first (run ids sort by time). Reads each run's commit once (to find
 * its parent) and, for the entries shown only, the record file from its tree: nothing else.
 * An unreadable record does not stop the listing; its entry carries the `E_RECORD` error.
 */
export async function log(opts: LogOptions): Promise<LogResult> {
  const repo = await findRepo(opts.cwd);
  const all = await listRuns(repo);
  const scoped = opts.all ? all : await runsOnHistory(repo, all);
  const shown = opts.limit !== undefined ? scoped.slice(0, opts.limit) : scoped;
  const runs = await mapLimit(shown, 16, async (r) => {
    try {
      return entryOf(r, await readRecord(repo, r));
    } catch (e) {
      if (!isReproError(e, 'E_RECORD')) throw e;
      return unreadable(r, e.code, e.message);
    }
  });
  return { scope: opts.all ? 'all' : 'history', total: scoped.length, runs };
}

function entryOf(r: RunRef, rec: RunRecord): LogEntry {
  const stages = Object.values(rec.stages);
  const seeds = new Set<number>();
  for (const s of stages) if (typeof s.seed === 'number' && s.status !== 'up-to-date' && s.status !== 'not-run') seeds.add(s.seed);
  // the run's own seed (`--seed`, each run of a sweep): also when no seeded stage ran in it
  if (typeof rec.seed === 'number') seeds.add(rec.seed);
  return {
    id: r.id,
    commit: r.commit,
    source_commit: r.parent,
    dirty: Boolean(rec.source?.dirty),
    started_at: rec.started_at,
    ended_at: rec.ended_at,
    status: rec.status,
    message: rec.message ?? null,
    seeds: [...seeds].sort((a, b) => a - b),
    headline: headline(ownMetrics(rec), 3),
    failed_stages: Object.entries(rec.stages)
      .filter(([, s]) => s.status === 'failed')
      .map(([n]) => n),
    error: null,
  };
}

function unreadable(r: RunRef, code: string, message: string): LogEntry {
  return {
    id: r.id,
    commit: r.commit,
    source_commit: r.parent,
    dirty: null,
    started_at: null,
    ended_at: null,
    status: 'unreadable',
    message: null,
    seeds: [],
    headline: [],
    failed_stages: [],
    error: { code, message },
  };
}

/**
 * The metrics the run itself wrote. A run that did not end `ok` records whatever metrics files the
 * workspace held when it stopped; a file whose stage did not execute or restore in this run holds
 * an earlier run's values, so it is left out.
 */
function ownMetrics(rec: RunRecord): RunRecord['metrics'] {
  if (rec.status === 'ok') return rec.metrics;
  const written = new Set<string>();
  for (const st of Object.values(rec.stages)) {
    if (st.status !== 'executed' && st.status !== 'restored') continue;
    for (const [path, kind] of Object.entries(st.components?.outs ?? {})) if (kind === 'metric') written.add(path);
  }
  return Object.fromEntries(Object.entries(rec.metrics ?? {}).filter(([path]) => written.has(path)));
}

/** The first `n` numeric metric values, files and keys in record order. */
function headline(metrics: RunRecord['metrics'], n: number): { name: string; value: number }[] {
  const out: { name: string; value: number }[] = [];
  for (const [file, values] of Object.entries(metrics ?? {})) {
    for (const [key, value] of Object.entries(values ?? {})) {
      if (typeof value !== 'number') continue;
      out.push({ name: `${file}:${key}`, value });
      if (out.length >= n) return out;
    }
  }
  return out;
}
