import type { VerifyStatus } from '../../model/verify.js';

/** The worst of some statuses: fail > warn > pass; skip only when there is nothing else. */
export function worst(statuses: VerifyStatus[]): VerifyStatus {
  for (const s of ['fail', 'warn', 'pass'] as const) if (statuses.includes(s)) return s;
  return statuses.length ? 'skip' : 'pass';
}
