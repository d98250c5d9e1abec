import type { KeyComponents } from '../../lock/index.js';
import { stageKey } from '../../pipeline/index.js';

/**
 * A stage key with the seed left out: equal for every run of one configuration under different
 * seeds. `repro diff` matches run records to a revision by it (runs are usually parented on the
 * commit before the one that holds their results), and `repro run` keeps a lock entry's
 * `seed_metrics` only while it stays the same.
 *
 * Takes the key components only, so a LockStage (which also has `key`, `out_hashes`, ...) works.
 */
export function seedlessKey(c: KeyComponents): string {
  return stageKey({
    cmd: c.cmd,
    wdir: c.wdir ?? '',
    deps: c.deps ?? {},
    params: c.params ?? {},
    locks: c.locks ?? {},
    env: c.env ?? {},
    seed: null,
    outs: c.outs ?? {},
  });
}
