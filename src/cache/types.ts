import type { BadObject } from '../model/run.js';
import type { PathSig, SigKind } from './pathsig.js';
import type { ObjectState } from './trust.js';

export type { ObjectState, PathSig, SigKind };

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
  /** Path of the verified-objects file (trust.ts); without it verifications last only for this process. */
  verifiedCache?: string;
  /**
   * The workspace the store serves: a single-file output saved through a symlink must resolve
   * inside it (or into the store), else `save` refuses it with `E_PATH_ESCAPE`. Unset: not checked.
   */
  root?: string;
  /**
   * A store shared by several users (one machine, one absolute directory): the directories it
   * creates are group-writable and setgid (0o2775, whatever the umask), so every member of the
   * directory's group can add objects. Objects stay read-only (0o444/0o555).
   */
  shared?: boolean;
}

export type { BadObject };

/** What `check` found: objects absent, and objects found bad (moved aside unless told not to). */
export interface CheckResult {
  ok: boolean;
  missing: string[];
  corrupt: BadObject[];
}

export interface CacheVerifyResult {
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
   * A stat signature of the path: equal to an earlier, non-racy one only when nothing at the path
   * changed since (pathsig.ts). Reads no content; a directory is walked. `tRef` (ms since the
   * epoch, taken before whatever the caller concluded from the path was read) sets `racy`.
   * Synchronous unless a directory's content is walked.
   */
  pathSignature(absPath: string, kind: SigKind, tRef?: number): PathSig | Promise<PathSig>;
  /**
   * Store a file or a whole directory (its manifest is an object too). Idempotent. Afterwards the
   * workspace copy is re-linked from the cache when the first usable link type is `hardlink` or
   * `symlink`; its content is unchanged.
   */
  save(absPath: string): Promise<PathInfo>;
  /** `check(hash).ok`: present and good, for `.dir` the manifest and every member. Bad objects are moved aside. */
  has(hash: string): Promise<boolean>;
  /**
   * The object and, for `.dir`, the manifest (verified by its name) and every member: each
   * verified by hashing unless it was verified before at its current stat (cheap after the first
   * use). Bad objects are quarantined unless `quarantine: false`.
   */
  check(hash: string, opts?: { quarantine?: boolean }): Promise<CheckResult>;
  /**
   * One object file by its name (a manifest's members are not looked at): 'good', 'missing' or
   * 'corrupt'. Cheap when verified before at its current stat. Moves nothing.
   */
  verifyObject(hash: string): Promise<ObjectState>;
  /**
   * Move object `hash` into `<dir>/bad/` so it is never served again and the next store of that
   * content writes a good copy. Returns its new path, or null when it was not there.
   */
  quarantine(hash: string): string | null;
  /** Re-hash the object (and, for `.dir`, every member), ignoring earlier verifications. Slow: reads everything. */
  verify(hash: string, opts?: { remove?: boolean }): Promise<CacheVerifyResult>;
  /**
   * Materialise a file or directory at `absDest`, replacing what is there (files inside a directory
   * output that the manifest does not list are removed). Unchanged files are left alone. Every
   * object placed is verified first (`check`): a missing or bad one throws `ObjectError`
   * (`E_CACHE`, with the objects; bad ones quarantined) before anything at `absDest` is touched.
   */
  checkout(hash: string, absDest: string): Promise<void>;
  /**
   * Files at `absPath` whose current content the store does not hold: `['']` for a file, relative
   * POSIX paths for a directory; `[]` when everything there could be restored (or nothing exists).
   * What a caller checks before overwriting a path, so unsaved work is never destroyed silently.
   */
  unsaved(absPath: string): Promise<string[]>;
  readManifest(hash: string): Promise<ManifestEntry[]>;
  /** Where an object lives: `<dir>/objects/<2 hex>/<rest>`. Throws `E_CACHE` for a malformed hash. */
  objectPath(hash: string): string;
  /** Remove every object not reachable from `keep` (dir hashes keep their members). */
  gc(keep: Iterable<string>, opts?: { dry?: boolean }): Promise<{ removed: string[]; bytes: number }>;
  /** Persist the stat and verified-objects caches (atomic) when changed. Call once at the end of a command. */
  flush(): Promise<void>;
}
