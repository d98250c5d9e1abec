import type { KeyComponents, LockOut, LockStage } from '../../lock/index.js';
import { keepObserved } from './observed.js';
import { seedlessKey } from './seedless.js';

/**
 * A stage's new lock entry after it executed or was restored, from the entry it replaces: its
 * seed_metrics (a sweep of this configuration) kept across seeds only, its SOURCE_DATE_EPOCH
 * (`epoch`: what the outputs were made with; a restore keeps the recorded one) and what was
 * observed of it (observed.ts).
 */
export function lockEntry(
  prev: LockStage | undefined,
  comps: KeyComponents,
  key: string,
  outs: Record<string, LockOut>,
  epoch?: number,
): LockStage {
  const keep = prev?.seed_metrics && seedlessKey(prev) === seedlessKey(comps);
  return {
    ...comps,
    key,
    out_hashes: outs,
    ...(keep ? { seed_metrics: prev.seed_metrics } : {}),
    ...(epoch !== undefined
      ? { source_date_epoch: epoch }
      : prev?.key === key && prev.source_date_epoch !== undefined
        ? { source_date_epoch: prev.source_date_epoch }
        : {}),
    ...keepObserved(prev, comps),
  };
}
