import { lstatSync, statSync, type Stats } from 'node:fs';
import { isErrno } from './errors.js';

/**
 * True when `path` exists. With `follow: false` a dangling symlink counts as existing (lstat).
 * A missing path (ENOENT, or ENOTDIR when a parent is a file) is false without an exception
 * object being built for the common case: on a 200-stage run those were a visible cost.
 */
export async function pathExists(path: string, opts: { follow?: boolean } = {}): Promise<boolean> {
  let st: Stats | undefined;
  try {
    st = opts.follow === false ? lstatSync(path, { throwIfNoEntry: false }) : statSync(path, { throwIfNoEntry: false });
  } catch (e) {
    if (isErrno(e, 'ENOTDIR')) return false;
    throw e;
  }
  return st !== undefined;
}
