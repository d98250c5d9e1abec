import { realpathSync } from 'node:fs';
import { isAbsolute, join, posix, sep, dirname } from 'node:path';
import { ReproError, isErrno, type SourcePos } from './errors.js';

/**
 * Repository-relative paths. Everything stored (lock, records, manifests) uses POSIX separators
 * relative to the repository root, with no `./` prefix and no trailing slash.
 */

/**
 * Normalise a user path to a repo-relative POSIX path, or throw `E_PATH_ESCAPE` when it is
 * absolute or climbs out with `..`. `base` is a repo-relative directory the path is relative to
 * (a stage's `wdir`). Does not touch the disk: see `assertNoSymlinkEscape` for that.
 */
export function toRepoPath(p: string, opts: { base?: string; pos?: SourcePos } = {}): string {
  const raw = p.replace(/\\/g, '/');
  if (raw === '') throw new ReproError('E_CONFIG', `empty path`, { pos: opts.pos });
  if (isAbsolute(p) || raw.startsWith('/') || /^[A-Za-z]:\//.test(raw)) {
    throw new ReproError('E_PATH_ESCAPE', `path is absolute: '${p}'`, {
      pos: opts.pos,
      hint: 'paths in repro.yaml are relative to the repository root (or the stage wdir)',
    });
  }
  const joined = posix.normalize(opts.base ? posix.join(opts.base, raw) : raw).replace(/\/+$/, '');
  if (joined === '..' || joined.startsWith('../')) {
    throw new ReproError('E_PATH_ESCAPE', `path leaves the repository: '${p}'`, {
      pos: opts.pos,
      hint: 'keep every dep and output inside the repository',
    });
  }
  return joined === '.' ? '' : joined;
}

/**
 * Throw `E_PATH_ESCAPE` when `rel` (repo-relative) resolves, through symlinks, to a place outside
 * `root`. Checks the longest existing prefix, so a path that does not exist yet is checked through
 * its existing parents.
 */
export function assertNoSymlinkEscape(root: string, rel: string, pos?: SourcePos): void {
  const realRoot = realpathSync(root);
  let probe = absPath(root, rel);
  for (;;) {
    try {
      const real = realpathSync(probe);
      if (real !== realRoot && !real.startsWith(realRoot + sep)) {
        throw new ReproError('E_PATH_ESCAPE', `path leaves the repository through a symlink: '${rel}' -> '${real}'`, {
          pos,
          hint: 'keep every dep and output inside the repository; copy the data in instead of linking to it',
        });
      }
      return;
    } catch (e) {
      if (!isErrno(e, 'ENOENT') && !isErrno(e, 'ENOTDIR')) throw e;
      const up = dirname(probe);
      if (up === probe) return;
      probe = up;
    }
  }
}

/** Absolute OS path of a repo-relative POSIX path. */
export function absPath(root: string, rel: string): string {
  return rel === '' ? root : join(root, ...rel.split('/'));
}

/** True when repo path `a` is `b` or inside directory `b` (both normalised). */
export function isWithin(a: string, b: string): boolean {
  return b === '' || a === b || a.startsWith(b + '/');
}

/**
 * The one boundary check for a path read from outside: a lock, a run record, a remote listing.
 * Such input is untrusted (a pushed run ref or a pull request can carry anything), so the path must
 * already be in canonical repo-relative form: POSIX separators, not absolute, no empty, `.` or `..`
 * segment, no NUL or backslash, and not inside `.git` or `.repro`. Anything else throws
 * `E_PATH_ESCAPE` naming `source` (e.g. `repro.lock`, `run 01J…`) rather than being repaired:
 * repairing a hostile path is how `a/../../x` ends up outside. (Directory manifests have their own
 * check in `cache/manifest.ts`, since the cache knows nothing of repositories.)
 *
 * Validate once, where the data enters, and pass the returned string on; before writing through it,
 * still check for symlinked parents (`assertNoSymlinkEscape`).
 */
export function checkStoredPath(p: unknown, source: string): string {
  const bad = storedPathProblem(p);
  if (bad === undefined) return p as string;
  const shown = typeof p === 'string' ? `'${p.length > 200 ? p.slice(0, 200) + '…' : p}'` : typeof p;
  throw new ReproError('E_PATH_ESCAPE', `unsafe path in ${source}: ${shown} (${bad})`, {
    hint: `${source} is read as untrusted input: a path there must be relative, canonical and inside the repository`,
  });
}

/** Why `p` is not a canonical, contained repo-relative path; undefined when it is one. */
export function storedPathProblem(p: unknown): string | undefined {
  if (typeof p !== 'string') return 'not a string';
  if (p === '') return 'empty';
  if (p.includes('\0')) return 'contains NUL';
  if (p.includes('\\')) return 'contains a backslash';
  if (p.startsWith('/') || /^[A-Za-z]:/.test(p)) return 'absolute';
  const segs = p.split('/');
  for (const s of segs) {
    if (s === '') return 'empty segment';
    if (s === '.' || s === '..') return `'${s}' segment`;
  }
  if (segs[0] === '.git' || segs[0] === '.repro') return `inside ${segs[0]}`;
  return undefined;
}
