import { hashData } from '../core/canonical.js';
import type { KeyComponents } from '../model/key.js';

/**
 * A stage's key: the hash of everything that can change its result. `v` versions the key scheme:
 * bump it (and the pinned digests in test/pipeline/key.test.ts) when the components change meaning.
 */
export const STAGE_KEY_VERSION = 1;

export function stageKey(components: KeyComponents): string {
  return hashData({ v: STAGE_KEY_VERSION, ...components });
}
