import { lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { ReproError, isErrno, type SourcePos } from '../core/errors.js';

/**
 * Symlink-escape checks for many repo paths at once: the same contract as core/paths.ts
 * `assertNoSymlinkEscape`, but each path prefix is lstat-ed once per guard and realpath runs only
 * for prefixes that are symlinks, so checking every path of a 200-stage pipeline costs a few
 * hundred lstat calls. A dangling symlink is followed to where it would point, since writing an
 * output through it would land there.
 */
export class SymlinkGuard {
  /** prefix → null when inside, 'missing' when absent, else the (absolute) outside place it resolves to. */
  private seen = new Map<string, string | null>();
  private realRoot?: string;

  constructor(private readonly root: string) {}

  /** Throw `E_PATH_ESCAPE` when repo-relative `rel` leads outside the root through a symlink. */
  check(rel: string, pos?: SourcePos): void {
    if (rel === '') return;
    let prefix = '';
    for (const part of rel.split('/')) {
      prefix = prefix ? `${prefix}/${part}` : part;
      let state = this.seen.get(prefix);
      if (state === undefined) {
        state = this.probe(prefix);
        this.seen.set(prefix, state);
      }
      if (state === 'missing') return; // nothing below a missing prefix exists yet
      if (state !== null) {
        throw new ReproError('E_PATH_ESCAPE', `path leaves the repository through a symlink: '${rel}' -> '${state}'`, {
          pos,
          hint: 'keep every dep and output inside the repository; copy the data in instead of linking to it',
        });
      }
    }
  }

  private probe(prefix: string): string | null {
    const abs = join(this.root, ...prefix.split('/'));
    let st;
    try {
      st = lstatSync(abs);
    } catch (e) {
      if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) return 'missing';
      throw e;
    }
    if (!st.isSymbolicLink()) return null;
    this.realRoot ??= realpathSync(this.root);
    const real = resolveLoose(abs, 0);
    return real === this.realRoot || real.startsWith(this.realRoot + sep) ? null : real;
  }
}

/** realpath of `abs`, following symlinks even where their targets (or parents) do not exist. */
function resolveLoose(abs: string, depth: number): string {
  try {
    return realpathSync(abs);
  } catch (e) {
    if (!isErrno(e, 'ENOENT') && !isErrno(e, 'ENOTDIR') && !isErrno(e, 'ELOOP')) throw e;
  }
  if (depth > 40) return abs; // a symlink loop; realpath's own error would be ELOOP
  let link: string | undefined;
  try {
    link = lstatSync(abs).isSymbolicLink() ? readlinkSync(abs) : undefined;
  } catch (e) {
    if (!isErrno(e, 'ENOENT') && !isErrno(e, 'ENOTDIR')) throw e;
  }
  const parent = dirname(abs);
  if (link !== undefined) return resolveLoose(resolve(resolveLoose(parent, depth + 1), link), depth + 1);
  if (parent === abs) return abs;
  return join(resolveLoose(parent, depth + 1), basename(abs));
}
