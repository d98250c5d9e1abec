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
  if (raw === '' ) throw new ReproError('E_CONFIG', `empty path`, { pos: opts.pos });
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
