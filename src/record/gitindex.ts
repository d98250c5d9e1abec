import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ReproError, isErrno } from '../core/errors.js';

/**
 * A reader for `.git/index` (format versions 2, 3 and 4; see gitformat-index(5)).
 *
 * Why not isomorphic-git's index: it loads the whole library (~67 ms), verifies the trailing
 * checksum and builds a sorted, locked cache for writing, none of which a read-only snapshot
 * needs; this reader is one pass over one buffer. Extensions other than the split-index `link`
 * are skipped; a split index is refused (`git update-index --no-split-index` undoes it).
 */

export interface IndexEntry {
  path: string;
  oid: string;
  /** Octal mode as in trees: 100644, 100755, 120000, 160000, or 040000 for a sparse directory. */
  mode: string;
  /** 0 normal; 1–3 during a merge conflict (base, ours, theirs). */
  stage: number;
  /** `git update-index --assume-unchanged`: Git does not look at the file. */
  assumeValid: boolean;
  /** Sparse checkout: the file is deliberately absent from the work tree. */
  skipWorktree: boolean;
  /** `git add -N`: tracked, content not yet added (oid is the empty blob). */
  intentToAdd: boolean;
  ctimeSec: number;
  ctimeNsec: number;
  mtimeSec: number;
  mtimeNsec: number;
  ino: number;
  /** File size truncated to 32 bits, as Git stores it. */
  size: number;
}

export interface GitIndex {
  entries: IndexEntry[];
  /** The index file's own mtime in ns (0 when there is no index): entries modified at or after it are "racily clean". */
  mtimeNs: bigint;
}

/** The index of the worktree whose git dir is `gitdir`; no file means an empty index. */
export async function readGitIndex(gitdir: string): Promise<GitIndex> {
  const path = join(gitdir, 'index');
  let buf: Buffer;
  let mtimeNs: bigint;
  try {
    // stat first: a racing `git add` that replaces the index afterwards only makes us more careful.
    mtimeNs = (await stat(path, { bigint: true })).mtimeNs;
    buf = await readFile(path);
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return { entries: [], mtimeNs: 0n };
    throw e;
  }
  return { entries: parseGitIndex(buf, path), mtimeNs };
}

export function parseGitIndex(buf: Buffer, path = 'index'): IndexEntry[] {
  const bad = (why: string): ReproError => new ReproError('E_GIT', `cannot read git index (${why}): '${path}'`);
  if (buf.length < 12 || buf.toString('latin1', 0, 4) !== 'DIRC') throw bad('bad signature');
  const version = buf.readUInt32BE(4);
  if (version < 2 || version > 4) throw bad(`version ${version}`);
  const count = buf.readUInt32BE(8);
  const entries: IndexEntry[] = new Array(count);
  let pos = 12;
  let prev: Buffer = Buffer.alloc(0);
  for (let i = 0; i < count; i++) {
    const start = pos;
    if (start + 62 > buf.length) throw bad('truncated');
    const flags = buf.readUInt16BE(start + 60);
    let extFlags = 0;
    let p = start + 62;
    if (flags & 0x4000) {
      if (version < 3) throw bad('extended flags in version 2');
      extFlags = buf.readUInt16BE(p);
      p += 2;
    }
    let name: Buffer;
    if (version === 4) {
      // Prefix compression: strip N bytes from the previous path, append the NUL-terminated rest.
      let byte = buf[p++]!;
      let strip = byte & 0x7f;
      while (byte & 0x80) {
        byte = buf[p++]!;
        strip = ((strip + 1) << 7) | (byte & 0x7f);
      }
      const end = buf.indexOf(0, p);
      if (end < 0 || strip > prev.length) throw bad('bad path');
      name = Buffer.concat([prev.subarray(0, prev.length - strip), buf.subarray(p, end)]);
      pos = end + 1;
    } else {
      const end = buf.indexOf(0, p);
      if (end < 0) throw bad('bad path');
      name = buf.subarray(p, end);
      // Entries are NUL-padded to a multiple of 8 bytes, counted from the entry's start.
      pos = start + ((end - start + 8) & ~7);
    }
    prev = name;
    let path = name.toString('utf8');
    if (path.endsWith('/')) path = path.slice(0, -1); // sparse directory entry
    entries[i] = {
      path,
      oid: buf.toString('hex', start + 40, start + 60),
      mode: modeString(buf.readUInt32BE(start + 24)),
      stage: (flags >> 12) & 3,
      assumeValid: (flags & 0x8000) !== 0,
      skipWorktree: (extFlags & 0x4000) !== 0,
      intentToAdd: (extFlags & 0x2000) !== 0,
      ctimeSec: buf.readUInt32BE(start),
      ctimeNsec: buf.readUInt32BE(start + 4),
      mtimeSec: buf.readUInt32BE(start + 8),
      mtimeNsec: buf.readUInt32BE(start + 12),
      ino: buf.readUInt32BE(start + 20),
      size: buf.readUInt32BE(start + 36),
    };
  }
  for (let off = pos; off + 8 <= buf.length - 20;) {
    const sig = buf.toString('latin1', off, off + 4);
    if (sig === 'link') throw bad('split index is not supported');
    off += 8 + buf.readUInt32BE(off + 4);
  }
  return entries;
}

function modeString(mode: number): string {
  return (mode >>> 0).toString(8).padStart(6, '0');
}
