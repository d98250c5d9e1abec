import { lstat, stat } from 'node:fs/promises';
import { isErrno } from './errors.js';

/**
 * True when `path` exists; false only for ENOENT (any other error is thrown). With
 * `follow: false` a dangling symlink counts as existing (lstat).
 */
export async function pathExists(path: string, opts: { follow?: boolean } = {}): Promise<boolean> {
  try {
    await (opts.follow === false ? lstat(path) : stat(path));
    return true;
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return false;
    throw e;
  }
}
