import { run, type StageResult } from './run.js';
import type { Reason } from './reasons.js';

export interface StatusOptions {
  cwd: string;
  targets?: string[];
  env?: NodeJS.ProcessEnv;
}

/** One stale stage and every reason, from what to what. */
export interface StaleStage {
  name: string;
  reasons: Reason[];
}

export interface StatusResult {
  /** True when every selected stage is up to date. */
  clean: boolean;
  stale: StaleStage[];
  upToDate: string[];
  frozen: string[];
}

/**
 * `repro status`: what `repro run` would do and why, without running, locking or writing
 * anything but the stat cache. A stage downstream of a stale one is stale too ('upstream').
 */
export async function status(opts: StatusOptions): Promise<StatusResult> {
  const r = await run({ cwd: opts.cwd, targets: opts.targets, dry: true, record: false, env: opts.env });
  const pick = (st: StageResult['status']): StageResult[] => r.stages.filter((s) => s.status === st);
  const stale = pick('would-run').map((s) => ({ name: s.name, reasons: s.reasons }));
  return {
    clean: stale.length === 0,
    stale,
    upToDate: pick('up-to-date').map((s) => s.name),
    frozen: pick('frozen').map((s) => s.name),
  };
}
