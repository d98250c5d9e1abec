import { readLock } from '../../lock/index.js';
import { findRepoRoot } from '../../core/repo.js';
import type { StageResult, StaleStage, StatusResult } from '../../model/run.js';
import type { Observed } from '../../model/key.js';
import type { SummaryHit } from './noop.js';
import { run } from './run.js';

export interface StatusOptions {
  cwd: string;
  targets?: string[];
  env?: NodeJS.ProcessEnv;
}

export type { StaleStage, StatusResult };

/**
 * `repro status`: what `repro run` would do and why, without running, locking or writing
 * anything but the stat cache. A stage downstream of a stale one is stale too ('upstream').
 */
export async function status(opts: StatusOptions): Promise<StatusResult> {
  let hit: SummaryHit | undefined;
  const r = await run({ cwd: opts.cwd, targets: opts.targets, dry: true, record: false, env: opts.env }, { onSummary: (h) => (hit = h) });
  const pick = (st: StageResult['status']): StageResult[] => r.stages.filter((s) => s.status === st);
  const stale = pick('would-run').map((s) => ({ name: s.name, reasons: s.reasons }));
  return {
    clean: stale.length === 0,
    stale,
    upToDate: pick('up-to-date').map((s) => s.name),
    frozen: pick('frozen').map((s) => s.name),
    // The no-op summary keeps what the lock says was observed: the lock is not read then.
    observed: hit ? hit.observed : await observedOf(opts.cwd, new Set(r.stages.map((s) => s.name))),
  };
}

async function observedOf(cwd: string, names: Set<string>): Promise<Record<string, Observed>> {
  const lock = await readLock(await findRepoRoot(cwd));
  const out: Record<string, Observed> = {};
  for (const [n, e] of Object.entries(lock.stages))
    if (names.has(n) && e.observed && e.observed.class !== 'deterministic') out[n] = e.observed;
  return out;
}
