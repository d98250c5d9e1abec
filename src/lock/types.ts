/**
 * `repro.lock`: what was observed at the last successful run of each stage. Observation only.
 * Serialised deterministically (see serializeLock in lock/index.ts): sorted keys, no timestamps.
 */

import type { ContentHash, KeyComponents, LockOut } from '../model/key.js';

export type { ContentHash, KeyComponents, LockOut };

export interface LockStage extends KeyComponents {
  key: string;
  /** output path → what it hashed to. */
  out_hashes: Record<string, LockOut>;
  /** per-seed metric values of the last seed sweep: seed → "path:key" → value. */
  seed_metrics?: Record<string, Record<string, number>>;
}

export interface LockFile {
  schema: 1;
  stages: Record<string, LockStage>;
}
