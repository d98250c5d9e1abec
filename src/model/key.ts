/**
 * The stage key's contract, shared by the layers that compute it (pipeline/), store it (lock/) and
 * explain it (ops/, report/). Types only: model/ imports nothing and holds no code.
 */

/** Content hash of a file (`<sha256 hex>`) or a directory manifest (`<sha256 hex>.dir`). */
export type ContentHash = string;

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

/** A declared output as hashed: in repro.lock (`out_hashes`), in run records, in re-run results. */
export interface LockOut {
  hash: ContentHash;
  size: number;
  /** Number of files, for a directory. */
  nfiles?: number;
}

/** What `repro verify --vary --save` observed about a stage (repro.lock, run records). */
export type ObservedClass = 'deterministic' | 'seed-dependent' | 'environment-dependent' | 'unstable';

export interface Observed {
  class: ObservedClass;
  /** The variations tried (seed, time, tz, ...), sorted. */
  varied: string[];
  /** The commit the observation was made on (null before the first commit): no timestamps in a lock. */
  at: string | null;
}
