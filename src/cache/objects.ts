import {
  chmodSync,
  closeSync,
  fchmodSync,
  lstatSync,
  mkdirSync,
  openSync,
  realpathSync,
  renameSync,
  rmSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, sep } from 'node:path';
import { ReproError, isErrno } from '../core/errors.js';
import { readUmask } from '../core/fs.js';
import { makeYielder, type Tick } from './hash.js';
import { ObjectError, Trust, type ObjectState } from './trust.js';

/**
 * The object files: `<dir>/objects/<2 hex>/<62 hex>[.dir]`, read-only (0o444, or 0o555 when any
 * saved copy was executable: one object serves both modes, and the exec bit only ever gets added).
 *
 * Writes are atomic and idempotent: content goes to a temp file inside the cache, then is renamed
 * into place. An object that already exists is kept only once it is verified (trust.ts: hashed,
 * or verified before at its current stat); a bad one is quarantined and replaced, so storing the
 * content again always repairs it. Objects are not fsynced (neither are git's by default): after
 * a crash a truncated or garbled object is caught by that verification on its next use.
 *
 * A `shared` store (one directory for several users) creates its directories 0o2775 (group
 * writable, setgid so new entries keep the group), set explicitly so the umask does not narrow it.
 */

const HASH = /^[0-9a-f]{64}(\.dir)?$/;

/**
 * Temp names in core/atomic's `tempPathFor` shape (`.<name>.tmp-<pid>-<hex>`, which gc sweeps),
 * made unique by a per-process token and a counter: 100k `randomBytes` calls cost ~1 s.
 */
const TOKEN = randomBytes(4).toString('hex');
let counter = 0;
export function tempBeside(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${TOKEN}${(counter++).toString(16)}`);
}

export const MODE_RO = 0o444;
export const MODE_RO_EXEC = 0o555;

export const MODE_SHARED_DIR = 0o2775;

export class ObjectStore {
  readonly objectsDir: string;
  readonly tmpDir: string;
  readonly trust: Trust;
  private madeDirs = new Set<string>();
  private readonly shared: boolean;
  /** Read at the first small write (repro never changes it). */
  private umask: number | undefined;

  constructor(
    readonly root: string,
    opts: { shared?: boolean; verifiedCache?: string; tick?: Tick } = {},
  ) {
    this.objectsDir = join(root, 'objects');
    this.tmpDir = join(root, 'tmp');
    this.shared = opts.shared === true;
    this.trust = new Trust(this, opts.verifiedCache, opts.tick ?? makeYielder());
  }

  /** Throws `E_CACHE` for anything but `<64 hex>` or `<64 hex>.dir` (no path tricks). */
  objectPath(hash: string): string {
    if (!HASH.test(hash)) throw new ReproError('E_CACHE', `invalid object hash: '${hash}'`);
    // objectsDir is normalized and the hash is hex: a concatenation (path.join is ~3x the cost,
    // and this runs once per object of a 100k-file push or checkout).
    return `${this.objectsDir}${sep}${hash.slice(0, 2)}${sep}${hash.slice(2)}`;
  }

  /** The object's lstat, or undefined when it is absent. */
  stat(hash: string): Stats | undefined {
    return lstatSync(this.objectPath(hash), { throwIfNoEntry: false });
  }

  /** lstat of the object, or `ObjectError` "object missing" when it is absent. */
  require(hash: string): Stats {
    const st = this.stat(hash);
    if (!st) throw missingObject(hash, this);
    return st;
  }

  /** A fresh temp path inside the cache (same file system as the objects, so rename works). */
  tempPath(): string {
    this.ensureDir(this.tmpDir);
    return tempBeside(join(this.tmpDir, 'obj'));
  }

  /** Real path of the objects directory, or undefined before the first object. */
  realObjectsDir(): string | undefined {
    try {
      return realpathSync(this.objectsDir);
    } catch (e) {
      if (isErrno(e, 'ENOENT')) return undefined;
      throw e;
    }
  }

  /**
   * True when a good object exists (verified, trust.ts), adding the exec bit when `exec` and it
   * lacks one. A bad object (wrong size, or content that does not hash to its name) is
   * quarantined and reported absent, so the caller writes a good one. Synchronous: for small
   * content (a small file, a manifest); `install` is the asynchronous path for large files.
   */
  hasGoodSync(hash: string, size: number, exec: boolean): boolean {
    const st = this.stat(hash);
    if (!st) return false;
    return this.keep(hash, st, this.trust.stateSync(hash, size), exec);
  }

  /** `hasGoodSync`, hashing a large unverified object with yields. */
  async hasGood(hash: string, size: number, exec: boolean): Promise<boolean> {
    const st = this.stat(hash);
    if (!st) return false;
    return this.keep(hash, st, await this.trust.state(hash, size), exec);
  }

  private keep(hash: string, st: Stats, state: ObjectState, exec: boolean): boolean {
    if (state === 'missing') return false;
    if (state === 'corrupt') {
      this.trust.quarantine(hash, st);
      return false;
    }
    if (exec && (st.mode & 0o100) === 0) {
      const tRef = Date.now();
      chmodSync(this.objectPath(hash), MODE_RO_EXEC);
      this.trust.trustWritten(hash, tRef); // the mode (so the ctime) changed, the content did not
    }
    return true;
  }

  /** Store `data` (which hashes to `hash`) unless a good object exists. True when written. */
  writeBuffer(hash: string, data: Uint8Array, exec: boolean): boolean {
    if (this.hasGoodSync(hash, data.length, exec)) return false;
    const tRef = Date.now();
    const obj = this.objectPath(hash);
    this.ensureDir(dirname(obj));
    const tmp = tempBeside(obj); // beside the object: a rename within one directory is cheaper
    const mode = exec ? MODE_RO_EXEC : MODE_RO;
    const fd = openSync(tmp, 'wx', mode);
    try {
      // As `install`'s chmod: the object's full mode, whatever the umask takes (a 077 umask
      // would leave 0400, unreadable to the other users of a shared cache).
      if (((this.umask ??= readUmask()) & mode) !== 0) fchmodSync(fd, mode);
      for (let off = 0; off < data.length;) off += writeSync(fd, data, off, data.length - off);
    } catch (e) {
      closeSync(fd);
      rmSync(tmp, { force: true });
      throw e;
    }
    closeSync(fd);
    this.commit(tmp, obj);
    this.trust.trustWritten(hash, tRef);
    return true;
  }

  /**
   * Move the temp file `tmp` (content `hash`, `size` bytes) into place, or drop it when a good
   * object exists. True when it became the object. `tRef`: taken before `tmp` was hashed.
   */
  async install(tmp: string, hash: string, size: number, exec: boolean, tRef: number): Promise<boolean> {
    if (await this.hasGood(hash, size, exec)) {
      rmSync(tmp, { force: true });
      return false;
    }
    const obj = this.objectPath(hash);
    this.ensureDir(dirname(obj));
    chmodSync(tmp, exec ? MODE_RO_EXEC : MODE_RO);
    this.commit(tmp, obj);
    // Hashed from this very file, so it is good as of its current stat unless it changed during
    // the read (a hard-linked snapshot is the workspace inode): the racy rule against `tRef`.
    this.trust.trustWritten(hash, tRef);
    return true;
  }

  private commit(tmp: string, obj: string): void {
    try {
      renameSync(tmp, obj);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw e;
    }
  }

  /** mkdir -p, once per process per directory; in a shared store each directory made gets 0o2775. */
  ensureDir(dir: string): void {
    if (this.madeDirs.has(dir)) return;
    const first = mkdirSync(dir, { recursive: true });
    if (first !== undefined && this.shared) {
      for (let d = dir; ; d = dirname(d)) {
        chmodSync(d, MODE_SHARED_DIR);
        if (d === first || dirname(d) === d) break;
      }
    }
    this.madeDirs.add(dir);
  }

  /** Forget which directories exist (gc may have removed some). */
  forgetDirs(): void {
    this.madeDirs.clear();
  }
}

export function missingObject(hash: string, store: ObjectStore): ObjectError {
  return new ObjectError('missing', [{ hash, path: store.objectPath(hash), movedTo: null }]);
}
