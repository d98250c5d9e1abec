import { closeSync, lstatSync, mkdirSync, openSync, readFileSync, readSync, renameSync, type Stats } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic.js';
import { ReproError, isErrno } from '../core/errors.js';
import { ioBuffer } from '../core/iobuf.js';
import { CHUNK_BYTES, hashCounters, hashFileContent, type Tick } from './hash.js';
import { DIR_SUFFIX, isDirHash } from './manifest.js';
import type { ObjectStore } from './objects.js';
import { isRacy } from './statcache.js';
import type { BadObject } from './types.js';

/**
 * Trusting objects. Nothing is served from the store (checked out, restored, kept instead of
 * rewritten by a save) until its content has been seen to hash to its name. Hashing every object
 * on every use would make a checkout read everything twice, so a verified object is remembered
 * under its stat signature (dev, inode, size, mtime, mode): objects are read-only, so any later
 * write to one (a forced edit through a hard link, a disk fault repaired by fsck, a user's
 * `chmod u+w`) changes that signature and the object is hashed again on its next use. Not the
 * ctime: in a hardlink setup every link made by a checkout and every workspace file removed
 * changes the object's link count, so its ctime, and keying on it re-hashed every object of a
 * checkout after `rm -rf` of the output (a write that also resets the mtime by hand, keeping
 * the size and the mode, goes unseen until a full re-hash, `Cache.verify`). As in the
 * stat cache, an object whose mtime is within the timestamp granularity of the moment it was read
 * (or written) is remembered only for this process, not on disk (a write in the same tick would
 * keep the mtime): the next command hashes it once more. Objects this process writes, from
 * content it hashed, count as verified.
 *
 * A bad object (its content does not hash to its name, or it is not a regular file) is moved into
 * `<dir>/bad/<name>.<ms>-<pid>` (`quarantine`), never deleted: it is not served again, the next
 * save writes a good copy in its place, and the bytes stay for inspection. Nothing removes `bad/`.
 *
 * On disk (optional, `CacheOptions.verifiedCache`): `{"v":1,"o":{"<name>":"<dev> <ino> <size>
 * <mtimeMs> m<mode>"}}` (entries of the older `<ctimeMs>` form never match: one re-hash). Losing it costs a re-hash, never a wrong answer.
 */

export type ObjectState = 'good' | 'missing' | 'corrupt';

const VERSION = 1;

/** The stat fields an object is remembered by (a `Stats`, or the numbers a worker sent). */
type SigStat = Pick<Stats, 'dev' | 'ino' | 'size' | 'mtimeMs' | 'mode'>;

function signature(st: SigStat): string {
  return `${st.dev} ${st.ino} ${st.size} ${st.mtimeMs} m${st.mode}`;
}

export class Trust {
  /** name → signature; a trailing ' r' marks a racy entry, kept in memory only. */
  private entries: Map<string, string> | undefined;
  private dirty = false;

  constructor(
    private readonly store: ObjectStore,
    private readonly file: string | undefined,
    private readonly tick: Tick,
  ) {}

  /**
   * Whether object `hash` is present and good, hashing it unless it was verified at its current
   * stat. `expectedSize` (when the caller knows the content's size) fails a wrong-size object
   * without reading it. Moves nothing: see `quarantine`.
   */
  async state(hash: string, expectedSize?: number): Promise<ObjectState> {
    const quick = this.quickState(hash, expectedSize);
    if (quick.state) return quick.state;
    const tRef = Date.now();
    const r = await hashFileContent(quick.path, { expectedSize: quick.st.size, tick: this.tick });
    return this.judge(hash, quick.st, r.hash, tRef);
  }

  /**
   * `state` without yielding, for callers that are synchronous on purpose (small saves). Reads the
   * object in one go, so keep it for objects whose size is known to be modest.
   */
  stateSync(hash: string, expectedSize?: number): ObjectState {
    return this.stateSyncWithStat(hash, expectedSize).state;
  }

  /**
   * `stateSync` and the object's lstat it was judged by (none when missing): one lstat, not two.
   * `seen`: that lstat when the caller has just taken it (null: not there), e.g. asynchronously.
   */
  stateSyncWithStat(hash: string, expectedSize?: number, seen?: Stats | null): { state: ObjectState; st?: Stats } {
    const quick = this.quickState(hash, expectedSize, seen);
    if (quick.state) return { state: quick.state, st: quick.seen };
    const tRef = Date.now();
    return { state: this.judge(hash, quick.st, hashSync(quick.path), tRef), st: quick.st };
  }

  /**
   * Move a bad object aside into `<dir>/bad/` so it is never served again. Returns where it went,
   * or null when it was not there (already moved, or never stored). When `seen` (the lstat it was
   * judged by) is given and the object has since been replaced (another process stored a good
   * copy), it is left alone and null is returned.
   */
  quarantine(hash: string, seen?: Stats): string | null {
    const from = this.store.objectPath(hash);
    const now = lstatSync(from, { throwIfNoEntry: false });
    this.forget(hash);
    if (!now || (seen && (now.ino !== seen.ino || now.dev !== seen.dev))) return null;
    const dir = join(this.store.root, 'bad');
    mkdirSync(dir, { recursive: true });
    const to = join(dir, `${hash}.${Date.now()}-${process.pid}`);
    try {
      renameSync(from, to);
    } catch (e) {
      if (isErrno(e, 'ENOENT')) return null;
      throw e;
    }
    return to;
  }

  /** Quarantine `hash` and describe it for an error or a report. */
  bad(hash: string, seen?: Stats): BadObject {
    const path = this.store.objectPath(hash);
    return { hash, path, movedTo: this.quarantine(hash, seen) };
  }

  /**
   * Record that object `hash` is good: just written from content that hashed to it, or its mode
   * changed by us. `tRef`: when its content was known (before the write).
   */
  trustWritten(hash: string, tRef: number): void {
    const st = this.store.stat(hash);
    if (st?.isFile()) this.remember(hash, st, isRacy(st, tRef));
  }

  /**
   * `trustWritten` for an object whose stat the writer took itself (a store worker's fstat of
   * the file it wrote and renamed into place): no lstat here.
   */
  trustStat(hash: string, st: SigStat, tRef: number): void {
    this.remember(hash, st, isRacy(st, tRef));
  }

  forget(hash: string): void {
    if (this.map().delete(hash)) this.dirty = true;
  }

  async flush(): Promise<void> {
    if (!this.dirty || !this.file || !this.entries) return;
    const o: Record<string, string> = Object.create(null);
    for (const [k, v] of this.entries) if (!v.endsWith(' r')) o[k] = v;
    await writeFileAtomic(this.file, JSON.stringify({ v: VERSION, o }), { fsync: false });
    this.dirty = false;
  }

  private quickState(
    hash: string,
    expectedSize: number | undefined,
    seen?: Stats | null,
  ): { state: ObjectState; seen?: Stats; path?: undefined; st?: undefined } | { state: undefined; path: string; st: Stats } {
    const path = this.store.objectPath(hash);
    const st = seen === undefined ? lstatSync(path, { throwIfNoEntry: false }) : (seen ?? undefined);
    if (!st) return { state: 'missing' };
    if (!st.isFile() || (expectedSize !== undefined && st.size !== expectedSize)) return { state: 'corrupt', seen: st };
    const known = this.map().get(hash);
    const sig = signature(st);
    if (known !== undefined && (known === sig || known === sig + ' r')) return { state: 'good', seen: st };
    return { state: undefined, path, st };
  }

  private judge(hash: string, st: Stats, contentHash: string, tRef: number): ObjectState {
    const name = isDirHash(hash) ? contentHash + DIR_SUFFIX : contentHash;
    if (name !== hash) {
      this.forget(hash);
      return 'corrupt';
    }
    // Remember it only if it did not change while it was read, and is not racily clean.
    const now = lstatSync(this.store.objectPath(hash), { throwIfNoEntry: false });
    if (now && signature(now) === signature(st)) this.remember(hash, st, isRacy(st, tRef));
    return 'good';
  }

  private remember(hash: string, st: SigStat, racy: boolean): void {
    const m = this.map();
    const sig = signature(st) + (racy ? ' r' : '');
    if (m.get(hash) === sig) return;
    m.set(hash, sig);
    this.dirty = true;
  }

  private map(): Map<string, string> {
    return (this.entries ??= load(this.file));
  }
}

function load(file: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!file) return out;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (isErrno(e, 'ENOENT') || isErrno(e, 'EACCES') || isErrno(e, 'EISDIR') || isErrno(e, 'EPERM')) return out;
    throw e;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    if (e instanceof SyntaxError) return out;
    throw e;
  }
  const { v, o } = (parsed ?? {}) as { v?: unknown; o?: unknown };
  if (v !== VERSION || typeof o !== 'object' || o === null || Array.isArray(o)) return out;
  for (const [k, sig] of Object.entries(o as Record<string, unknown>)) if (typeof sig === 'string') out.set(k, sig);
  return out;
}

const buf = ioBuffer(CHUNK_BYTES);

/** sha256 hex of a file's bytes, synchronously. */
function hashSync(path: string): string {
  const fd = openSync(path, 'r');
  hashCounters.files++;
  try {
    const h = createHash('sha256');
    let n: number;
    while ((n = readSync(fd, buf, 0, buf.length, null)) > 0) h.update(buf.subarray(0, n));
    return h.digest('hex');
  } finally {
    closeSync(fd);
  }
}

/** The error for objects found bad (already quarantined by the caller) or missing. */
export class ObjectError extends ReproError {
  constructor(
    readonly problem: 'missing' | 'corrupt',
    readonly objects: BadObject[],
  ) {
    const first = objects[0]!;
    const more = objects.length > 1 ? ` and ${objects.length - 1} more` : '';
    super(
      'E_CACHE',
      problem === 'missing'
        ? `object missing from cache: '${first.hash}'${more}`
        : `object in cache is corrupt: '${first.hash}' ('${first.path}')${more}${first.movedTo ? `; moved to '${first.movedTo}'` : ''}`,
      {
        hint:
          problem === 'missing'
            ? "run the stage again ('repro run')"
            : "run the stage again ('repro run') to rebuild it; the bad copy is kept in the cache's bad/ directory",
      },
    );
  }
}
