import { canonicalJson } from '../../core/canonical.js';
import type { KeyComponents, LockStage } from '../../lock/index.js';
import type { Reason } from '../../model/stage.js';

/**
 * A lock entry's `observed` (what `verify --vary --save` found) describes the stage's command,
 * not one set of inputs: it is kept across runs while the command stays the same (new data, new
 * params, other seeds) and dropped when the command changes, since a new command must be observed
 * again.
 */
export function keepObserved(prev: LockStage | undefined, cur: KeyComponents): Pick<LockStage, 'observed'> {
  if (!prev?.observed) return {};
  return canonicalJson(prev.cmd) === canonicalJson(cur.cmd) ? { observed: prev.observed } : {};
}

/**
 * Whether a run-cache entry may be restored for `stage`: null when it may, else the reason it is
 * not. An entry another machine made (fetched from a remote: it carries no host, or another one)
 * is not used for a stage observed `unstable` or `environment-dependent` unless the stage declares
 * `deterministic: false`: its outputs would be that machine's, not what this one makes (DVC #9420).
 * Entries of this machine, and every stage not observed so, restore as before.
 */
export function refuseAcross(
  stage: { deterministic: boolean },
  entry: LockStage | undefined,
  entryHost: string | null,
  thisHost: string,
): Extract<Reason, { kind: 'run-cache-elsewhere' }> | null {
  const cls = entry?.observed?.class;
  if (cls !== 'unstable' && cls !== 'environment-dependent') return null;
  if (!stage.deterministic || entryHost === thisHost) return null;
  return { kind: 'run-cache-elsewhere', observed: cls, host: entryHost };
}

/** refuseAcross as a yes/no: whether the entry may be restored. */
export function restoreAcross(
  stage: { deterministic: boolean },
  entry: LockStage | undefined,
  entryHost: string | null,
  thisHost: string,
): boolean {
  return refuseAcross(stage, entry, entryHost, thisHost) === null;
}
