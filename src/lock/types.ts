/**
 * `repro.lock`: what was observed at the last successful run of each stage. Observation only.
 * Serialised deterministically (see serializeLock in lock/index.ts): sorted keys, no timestamps.
 */

import type { ContentHash, KeyComponents, LockOut, Observed, ObservedClass } from '../model/key.js';

export type { ContentHash, KeyComponents, LockOut, Observed, ObservedClass };

export interface LockStage extends KeyComponents {
  key: string;
  /** output path → what it hashed to. */
  out_hashes: Record<string, LockOut>;
  /** per-seed metric values of the last seed sweep: seed → "path:key" → value. */
  seed_metrics?: Record<string, Record<string, number>>;
  /** The SOURCE_DATE_EPOCH the command ran with (ops/run/epoch.ts); absent: none. Not in the key. */
  source_date_epoch?: number;
  /** What `repro verify --vary --save` observed about the stage (docs/verify.md). Not in the key. */
  observed?: Observed;
}

export interface LockFile {
  schema: 1;
  stages: Record<string, LockStage>;
}
