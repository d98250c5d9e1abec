/**
 * Public shapes of the content-addressed store. The store knows nothing of stages or Git: it maps
 * content to `sha256` names and puts content back at a path.
 */

/**
 * How a cached object is placed in the workspace, tried in the configured order:
 * - `reflink`: a copy-on-write clone (btrfs, XFS, APFS). Free, independent, editable.
 * - `hardlink`: the workspace file *is* the cache object, so it is read-only; editing it in place
 *   after `chmod u+w` would corrupt the cache (`verify` detects that). Saves space on any POSIX fs.
 * - `symlink`: the workspace file points into the cache; read-only for the same reason.
 * - `copy`: an independent, writable copy.
 * The default `['reflink', 'copy']` (as in DVC) never lets a workspace edit reach the cache.
 */
export type LinkType = 'reflink' | 'hardlink' | 'symlink' | 'copy';

/** What a path hashes to. `hash` is sha256 hex for a file, `<hex>.dir` for a directory manifest. */
export interface PathInfo {
  hash: string;
  /** Bytes of the file, or the sum over a directory's files (the manifest itself not counted). */
  size: number;
  /** Number of files, for a directory. */
  nfiles?: number;
  isDir: boolean;
}

/** One file of a directory manifest. */
export interface ManifestEntry {
  /** Relative to the directory, POSIX separators, no `.`/`..` segments. */
  path: string;
  hash: string;
  size: number;
  /** 0o644 or 0o755: only the owner's exec bit is kept. */
  mode: number;
}

export interface CacheOptions {
  /** The store's root, e.g. `<repo>/.repro/cache`. Objects live under `<dir>/objects/`. */
  dir: string;
  /** Default `['reflink', 'copy']`. */
  linkTypes?: LinkType[];
  /** Path of the stat-cache file; without it the stat cache lives only for this process. */
  statCache?: string;
}

export interface VerifyResult {
  /** Objects (the given hash or dir members) that are not in the cache. */
  missing: string[];
  /** Objects whose content no longer hashes to their name (removed when `remove` was set). */
  corrupt: string[];
}

/**
 * The store. Paths given to it are absolute. One instance per command; call `flush()` at the end.
 *
 *   const cache = openCache({ dir: '.repro/cache', statCache: '.repro/stat.json' });
 *   const info = await cache.save('/repo/data/out');     // hash + store + re-link
 *   await cache.checkout(info.hash, '/repo/data/out');   // later: put it back
 *   await cache.flush();
 */
export interface Cache {
  /** sha256 of a file's content, read in large chunks in constant memory; uses the stat cache. */
  hashFile(absPath: string): Promise<{ hash: string; size: number }>;
  /** Hash a file or directory without storing anything; `null` when the path does not exist. */
  hashPath(absPath: string): Promise<PathInfo | null>;
  /**
   * Store a file or a whole directory (its manifest is an object too). Idempotent. Afterwards the
   * workspace copy is re-linked from the cache when the first usable link type is `hardlink` or
   * `symlink`; its content is unchanged.
   */
  save(absPath: string): Promise<PathInfo>;
  /** Whether the object is present; for `.dir`, the manifest and every member (sizes checked). */
  has(hash: string): Promise<boolean>;
  /** Re-hash the object (and, for `.dir`, every member). Slow: reads everything. */
  verify(hash: string, opts?: { remove?: boolean }): Promise<VerifyResult>;
  /**
   * Materialise a file or directory at `absDest`, replacing what is there (files inside a directory
   * output that the manifest does not list are removed). Unchanged files are left alone.
   */
  checkout(hash: string, absDest: string): Promise<void>;
  readManifest(hash: string): Promise<ManifestEntry[]>;
  /** Where an object lives: `<dir>/objects/<2 hex>/<rest>`. Throws `E_CACHE` for a malformed hash. */
  objectPath(hash: string): string;
  /** Remove every object not reachable from `keep` (dir hashes keep their members). */
  gc(keep: Iterable<string>, opts?: { dry?: boolean }): Promise<{ removed: string[]; bytes: number }>;
  /** Persist the stat cache (atomic) when it changed. Call once at the end of a command. */
  flush(): Promise<void>;
}
