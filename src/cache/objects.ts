import {
  chmodSync,
  closeSync,
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
import { basename, dirname, join } from 'node:path';
import { ReproError, isErrno } from '../core/errors.js';

/**
 * The object files: `<dir>/objects/<2 hex>/<62 hex>[.dir]`, read-only (0o444, or 0o555 when any
 * saved copy was executable: one object serves both modes, and the exec bit only ever gets added).
 *
 * Writes are atomic and idempotent: content goes to a temp file inside the cache, then is renamed
 * into place. An object that already exists with the right size is trusted and kept (`verify`
 * re-hashes); one with the wrong size is corrupt and replaced. Objects are not fsynced (neither
 * are git's by default): after a crash a truncated object is caught by its size or by `verify`.
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

export class ObjectStore {
  readonly objectsDir: string;
  readonly tmpDir: string;
  private madeDirs = new Set<string>();

  constructor(readonly root: string) {
    this.objectsDir = join(root, 'objects');
    this.tmpDir = join(root, 'tmp');
  }

  /** Throws `E_CACHE` for anything but `<64 hex>` or `<64 hex>.dir` (no path tricks). */
  objectPath(hash: string): string {
    if (!HASH.test(hash)) throw new ReproError('E_CACHE', `invalid object hash: '${hash}'`);
    return join(this.objectsDir, hash.slice(0, 2), hash.slice(2));
  }

  /** The object's lstat, or undefined when it is absent. */
  stat(hash: string): Stats | undefined {
    return lstatSync(this.objectPath(hash), { throwIfNoEntry: false });
  }

  /** lstat of the object, or `E_CACHE` "object missing" when it is absent. */
  require(hash: string): Stats {
    const st = this.stat(hash);
    if (!st) throw missingObject(hash);
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
   * True when a usable object exists: present with `size` bytes. Adds the exec bit when `exec` and
   * it lacks one. A wrong-size object is reported absent, so the caller replaces it.
   */
  hasGood(hash: string, size: number, exec: boolean): boolean {
    const st = this.stat(hash);
    if (!st || !st.isFile() || st.size !== size) return false;
    if (exec && (st.mode & 0o100) === 0) chmodSync(this.objectPath(hash), MODE_RO_EXEC);
    return true;
  }

  /** Store `data` (which hashes to `hash`) unless a good object exists. True when written. */
  writeBuffer(hash: string, data: Uint8Array, exec: boolean): boolean {
    if (this.hasGood(hash, data.length, exec)) return false;
    const obj = this.objectPath(hash);
    this.ensureDir(dirname(obj));
    const tmp = tempBeside(obj); // beside the object: a rename within one directory is cheaper
    const fd = openSync(tmp, 'wx', exec ? MODE_RO_EXEC : MODE_RO);
    try {
      for (let off = 0; off < data.length; ) off += writeSync(fd, data, off, data.length - off);
    } catch (e) {
      closeSync(fd);
      rmSync(tmp, { force: true });
      throw e;
    }
    closeSync(fd);
    this.commit(tmp, obj);
    return true;
  }

  /**
   * Move the temp file `tmp` (content `hash`, `size` bytes) into place, or drop it when a good
   * object exists. True when it became the object.
   */
  install(tmp: string, hash: string, size: number, exec: boolean): boolean {
    if (this.hasGood(hash, size, exec)) {
      rmSync(tmp, { force: true });
      return false;
    }
    const obj = this.objectPath(hash);
    this.ensureDir(dirname(obj));
    chmodSync(tmp, exec ? MODE_RO_EXEC : MODE_RO);
    this.commit(tmp, obj);
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

  private ensureDir(dir: string): void {
    if (this.madeDirs.has(dir)) return;
    mkdirSync(dir, { recursive: true });
    this.madeDirs.add(dir);
  }

  /** Forget which directories exist (gc may have removed some). */
  forgetDirs(): void {
    this.madeDirs.clear();
  }
}

export function missingObject(hash: string): ReproError {
  return new ReproError('E_CACHE', `object missing from cache: '${hash}'`, {
    hint: "run the stage again ('repro run')",
  });
}
