import { createHash, type Hash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../core/atomic.js';
import { isErrno } from '../core/errors.js';
import type { Ctx } from './context.js';
import { modeOf } from './context.js';
import type { PathInfo } from './types.js';
import { nativeSigWalk } from './statwalk.js';
import { walkDir, type WalkFile, type WalkOptions } from './walk.js';

/**
 * Directory signatures: a no-op status of a big directory skips the manifest re-encode.
 *
 * The signature of a directory is sha256 over, for each file in manifest order, its relative path,
 * its stat-cache key (inode, mtime, ctime, size: statcache.ts), its manifest mode and whether it is
 * reached through a symlink. It is recorded with the manifest's hash, size and file count only
 * when, at the end of that walk, every file has a stat-cache entry for the stat it was seen with,
 * i.e. its hash is trusted under the stat cache's racy rule. A later walk that finds the same signature
 * therefore sees every file with the very stat under which its hash is trusted: the manifest is
 * the recorded one, exactly as the stat cache would have rebuilt it entry by entry. Any change a
 * stat can show (content with a new mtime/ctime/size, a file added, removed, renamed, replaced by
 * a directory, an exec bit) changes the signature, and the full walk runs. Empty directories are
 * not in manifests, so they are not in signatures either.
 *
 * The check is a walk of its own (lstat of every file, nothing else), so when something did change
 * a status walks twice. For a directory of 2,000 files or more it runs in `repro-statwalk`
 * (statwalk.ts, native/statwalk.c) when that is built: the helper prints the very bytes
 * `SigBuilder.add` hashes, and Node hashes its output as it streams, with no object per file (~3x less than Node's bare readdir + lstat, the floor of a
 * check in Node). Without the helper, or when it cannot vouch for its bytes (odd names, refused
 * symlinks, special files, unreadable directories), the check walks in Node (walk.ts), which
 * throws what the full walk would. Memory: constant per file (one running hash).
 *
 * Signatures live in a small file of their own beside the stat cache (`<statCache>.dirs`,
 * `{"v":1,"s":{"<abs dir>":"<signature> <manifest hash> <size> <nfiles>"}}`), so a no-op status
 * never loads the stat cache (~120 bytes a file on disk). Losing it costs a full walk, never a
 * wrong answer; it does not depend on the stat cache's contents once recorded.
 */

const SIG_VERSION = 'dirsig1';
const FILE_VERSION = 1;

/** The recorded signatures, keyed by the walked directory's absolute path. */
export class SigStore {
  private dirty = false;

  private constructor(
    private readonly file: string | undefined,
    private readonly sigs: Map<string, string>,
  ) {}

  /** Load from `file`; missing or malformed gives an empty store. */
  static load(file?: string): SigStore {
    const sigs = new Map<string, string>();
    if (!file) return new SigStore(undefined, sigs);
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      if (!(e instanceof SyntaxError) && !isErrno(e, 'ENOENT') && !isErrno(e, 'EACCES') && !isErrno(e, 'EISDIR') && !isErrno(e, 'EPERM'))
        throw e;
    }
    const { v, s } = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as { v?: unknown; s?: unknown };
    if (v === FILE_VERSION && typeof s === 'object' && s !== null && !Array.isArray(s)) {
      for (const [k, sig] of Object.entries(s as Record<string, unknown>)) if (typeof sig === 'string') sigs.set(k, sig);
    }
    return new SigStore(file, sigs);
  }

  get(root: string): string | undefined {
    return this.sigs.get(root);
  }

  set(root: string, sig: string): void {
    if (this.sigs.get(root) === sig) return;
    this.sigs.set(root, sig);
    this.dirty = true;
  }

  delete(root: string): void {
    if (this.sigs.delete(root)) this.dirty = true;
  }

  async flush(): Promise<void> {
    if (!this.dirty || !this.file) return;
    await writeFileAtomic(this.file, JSON.stringify({ v: FILE_VERSION, s: Object.fromEntries(this.sigs) }), { fsync: false });
    this.dirty = false;
  }
}

/** What a signature hashes for one file; native/statwalk.c prints the same bytes (keep the two in step). */
export function sigLine(f: Pick<WalkFile, 'rel' | 'st' | 'isLink'>): string {
  return `${f.rel}\0${f.st.key}\0${modeOf(f.st.mode)}${f.isLink ? 'L' : ''}\n`;
}

export class SigBuilder {
  private readonly h: Hash = createHash('sha256').update(SIG_VERSION);

  add(f: WalkFile): void {
    this.h.update(sigLine(f));
  }

  digest(): string {
    return this.h.digest('hex');
  }
}

/** `<signature> <manifest hash> <size> <nfiles>`, as the stat cache keeps it. */
export function encodeSig(sig: string, info: PathInfo): string {
  return `${sig} ${info.hash} ${info.size} ${info.nfiles ?? 0}`;
}

function decodeSig(v: string): { sig: string; info: PathInfo } | undefined {
  const [sig, hash, size, nfiles] = v.split(' ');
  if (!sig || !hash || !/^[0-9a-f]{64}\.dir$/.test(hash)) return undefined;
  const n = Number(size);
  const k = Number(nfiles);
  if (!Number.isSafeInteger(n) || !Number.isSafeInteger(k)) return undefined;
  return { sig, info: { hash, size: n, nfiles: k, isDir: true } };
}

/**
 * The manifest info of directory `root` when its recorded signature still holds, else undefined
 * (nothing recorded, or something changed). Throws what the full walk would throw for a file the
 * walk refuses (walk.ts), so the caller need not tell the two walks apart.
 */
export async function sigHit(ctx: Ctx, root: string, walkOpts: Omit<WalkOptions, 'onFile' | 'tick'>): Promise<PathInfo | undefined> {
  const stored = ctx.sigs.get(root);
  if (stored === undefined) return undefined;
  const rec = decodeSig(stored);
  if (!rec) return undefined;
  const h = createHash('sha256').update(SIG_VERSION);
  const nativeCount = await nativeSigWalk(root, walkOpts.allowedTargets, h, rec.info.nfiles ?? 0);
  if (nativeCount !== undefined) return nativeCount === rec.info.nfiles && h.digest('hex') === rec.sig ? rec.info : undefined;
  const b = new SigBuilder();
  let n = 0;
  await walkDir(root, {
    ...walkOpts,
    tick: ctx.tick,
    onFile: (f) => {
      n++;
      b.add(f);
    },
  });
  if (n !== rec.info.nfiles || b.digest() !== rec.sig) return undefined;
  return rec.info;
}
