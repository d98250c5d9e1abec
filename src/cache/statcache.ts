import { readFileSync, type Stats } from 'node:fs';
import { writeFileAtomic } from '../core/atomic.js';
import { isErrno } from '../core/errors.js';

/**
 * The stat cache remembers, per file, the stat it had when its content was hashed: if inode,
 * mtime, ctime and size are all unchanged, the hash is reused without reading the file. It is an
 * optimisation only: a missing or wrong-looking entry costs a re-hash, never a wrong answer.
 *
 * Racily clean files (git's term): a file changed within the timestamp granularity after it was
 * read keeps its mtime. So an entry is recorded only when the file's mtime is older than the time
 * the content was known (`tRef`, taken before reading) by more than the granularity: 50 ms where
 * timestamps have sub-second parts (covers a 4-10 ms kernel tick), 2 s where they are whole
 * seconds (ext3, HFS+, FAT). A file just written is therefore hashed again next time, once.
 *
 * On disk: `{"v":1,"d":{"<abs dir>":"<name>/<ino> <mtime ms> <ctime ms> <size> <hash>/<name>/..."}}`.
 * A file name cannot contain `/`, so one string per directory splits unambiguously. This keeps
 * 100k entries at ~12 MB that parse in ~20 ms (one JSON string per directory, split only when the
 * directory is used) instead of ~150 ms for an object or array per file.
 */

const VERSION = 1;
const FINE_MARGIN_MS = 50;
const COARSE_MARGIN_MS = 2000;

/**
 * The parts of a stat the store uses, as plain values (a Node 20 `Stats` carries four `Date`s;
 * keeping 100k of them alive made garbage collection the largest cost of a no-op status).
 */
export interface FileStat {
  /** `<ino> <mtime ms> <ctime ms> <size>`: what must be unchanged for a recorded hash to hold. */
  key: string;
  mtimeMs: number;
  /** For racy checks of whole paths (pathsig.ts); not part of `key` beyond its whole milliseconds. */
  ctimeMs: number;
  size: number;
  mode: number;
}

/**
 * Times are keyed in whole milliseconds (integers format ~4x faster than fractional doubles, which
 * matters at 100k files). That is safe because of the racy margin: a change after the content was
 * read lands at least `margin - tick` (> 1 ms) after the recorded mtime, so it never shares it.
 */
export function fileStat(st: Stats): FileStat {
  const key = `${st.ino} ${Math.floor(st.mtimeMs)} ${Math.floor(st.ctimeMs)} ${st.size}`;
  return { key, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, size: st.size, mode: st.mode };
}

/** True when `st` is too recent, relative to `tRef`, to be trusted later (see above). */
export function isRacy(st: { mtimeMs: number }, tRef: number): boolean {
  const margin = st.mtimeMs % 1000 === 0 ? COARSE_MARGIN_MS : FINE_MARGIN_MS;
  return !(st.mtimeMs < tRef - margin);
}

export class StatCache {
  /** Directories as read from disk, not split yet. */
  private raw: Record<string, string>;
  private dirs = new Map<string, Map<string, string>>();
  private dirty = false;

  private constructor(
    private readonly file: string | undefined,
    raw: Record<string, string>,
  ) {
    this.raw = raw;
  }

  /** Load from `file`; a missing, unreadable or malformed file gives an empty cache. */
  static load(file?: string): StatCache {
    if (!file) return new StatCache(undefined, Object.create(null));
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      if (isErrno(e, 'ENOENT') || isErrno(e, 'EACCES') || isErrno(e, 'EISDIR') || isErrno(e, 'EPERM')) {
        return new StatCache(file, Object.create(null));
      }
      throw e;
    }
    return new StatCache(file, parseDisk(text));
  }

  /** The hash recorded for `dir/name` when `st` still matches the recorded stat. */
  get(dir: string, name: string, st: FileStat): string | undefined {
    const v = this.dir(dir, false)?.get(name);
    if (v === undefined) return undefined;
    const key = st.key;
    return v.length === key.length + 65 && v.startsWith(key) && v[key.length] === ' ' ? v.slice(key.length + 1) : undefined;
  }

  /**
   * Record that `dir/name`, with stat `st`, has content `hash` as of `tRef` (ms since the epoch,
   * taken before the content was read or written). A racy entry is dropped instead.
   */
  set(dir: string, name: string, st: FileStat, hash: string, tRef: number): void {
    if (isRacy(st, tRef)) {
      this.delete(dir, name);
      return;
    }
    const m = this.dir(dir, true)!;
    const v = `${st.key} ${hash}`;
    if (m.get(name) !== v) {
      m.set(name, v);
      this.dirty = true;
    }
  }

  delete(dir: string, name: string): void {
    const m = this.dir(dir, false);
    if (m?.delete(name)) this.dirty = true;
  }

  /** Drop the entries of `dir` whose names are not in `names` (after a full listing of it). */
  retain(dir: string, names: Set<string>): void {
    const m = this.dir(dir, false);
    if (!m) return;
    for (const k of m.keys()) {
      if (!names.has(k)) {
        m.delete(k); // deleting the current key is safe while iterating a Map
        this.dirty = true;
      }
    }
  }

  /** Drop directories strictly below `root` that are not in `seen` (they no longer exist). */
  pruneBelow(root: string, sep: string, seen: Set<string>): void {
    const prefix = root.endsWith(sep) ? root : root + sep;
    for (const d of [...Object.keys(this.raw), ...this.dirs.keys()]) {
      if (d.startsWith(prefix) && !seen.has(d)) {
        delete this.raw[d];
        this.dirs.delete(d);
        this.dirty = true;
      }
    }
  }

  /** Write the cache atomically when it changed and a file was given. */
  async flush(): Promise<void> {
    if (!this.dirty || !this.file) return;
    const d: Record<string, string> = Object.assign(Object.create(null), this.raw);
    for (const [dir, m] of this.dirs) {
      if (m.size === 0) continue;
      const parts: string[] = [];
      for (const [name, v] of m) parts.push(name, v);
      d[dir] = parts.join('/');
    }
    await writeFileAtomic(this.file, JSON.stringify({ v: VERSION, d }), { fsync: false });
    this.dirty = false;
  }

  private dir(dir: string, create: boolean): Map<string, string> | undefined {
    let m = this.dirs.get(dir);
    if (m) return m;
    const blob = this.raw[dir];
    if (blob === undefined && !create) return undefined;
    m = new Map();
    if (blob !== undefined) {
      const parts = blob.split('/');
      for (let i = 0; i + 1 < parts.length; i += 2) m.set(parts[i]!, parts[i + 1]!);
      delete this.raw[dir];
    }
    this.dirs.set(dir, m);
    return m;
  }
}

function parseDisk(text: string): Record<string, string> {
  const empty = Object.create(null) as Record<string, string>;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    if (e instanceof SyntaxError) return empty;
    throw e;
  }
  if (typeof parsed !== 'object' || parsed === null) return empty;
  const { v, d } = parsed as { v?: unknown; d?: unknown };
  if (v !== VERSION || typeof d !== 'object' || d === null || Array.isArray(d)) return empty;
  const out = empty;
  for (const [k, blob] of Object.entries(d as Record<string, unknown>)) {
    if (typeof blob === 'string') out[k] = blob;
  }
  return out;
}
