import { lstatSync, statSync, type Stats } from 'node:fs';
import { isErrno } from './errors.js';

/**
 * The path's stat (lstat with `follow: false`), or undefined when it is missing: ENOENT, or
 * ENOTDIR when a parent is a file. No exception object is built for the common missing case: on
 * a 200-stage run those were a visible cost.
 */
export function statIfExists(path: string, opts: { follow?: boolean } = {}): Stats | undefined {
  try {
    return opts.follow === false ? lstatSync(path, { throwIfNoEntry: false }) : statSync(path, { throwIfNoEntry: false });
  } catch (e) {
    if (isErrno(e, 'ENOTDIR')) return undefined;
    throw e;
  }
}

/**
 * The process's umask, for a writer that must know whether its creation mode survives (an
 * fchmod only when it does not). process.umask() reads it by setting it twice: harmless on the
 * main thread; a worker cannot read it, and gets 0o777 (assume the worst: always fchmod).
 */
export function readUmask(): number {
  try {
    return process.umask();
  } catch {
    return 0o777;
  }
}

/** True when `path` exists. With `follow: false` a dangling symlink counts as existing (lstat). */
export async function pathExists(path: string, opts: { follow?: boolean } = {}): Promise<boolean> {
  return statIfExists(path, opts) !== undefined;
}
