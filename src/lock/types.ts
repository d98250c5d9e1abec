/**
 * `repro.lock`: what was observed at the last successful run of each stage. Observation only.
 * Serialised deterministically (see serializeLock in lock/index.ts): sorted keys, no timestamps.
 */

/** Content hash of a file (`<sha256 hex>`) or a directory manifest (`<sha256 hex>.dir`). */
export type ContentHash = string;

export interface LockOut {
  hash: ContentHash;
  size: number;
  /** Number of files, for a directory. */
  nfiles?: number;
}

/**
 * Everything that goes into a stage key, as recorded. `repro status` explains staleness by
 * comparing these with the current ones, component by component.
 */
export interface KeyComponents {
  cmd: string[];
  wdir: string;
  /** dep path → content hash ('' when the dep was missing). */
  deps: Record<string, ContentHash>;
  /** params file → dotted key ('' for the whole file) → value. */
  params: Record<string, Record<string, unknown>>;
  /** lock file path → content hash ('' when missing). */
  locks: Record<string, ContentHash>;
  /** captured env var → value (secrets as '[redacted]'). */
  env: Record<string, string>;
  seed: number | null;
  /** declared outputs, `path` → kind, sorted. */
  outs: Record<string, string>;
}

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
