import { lstatSync, statSync } from 'node:fs';

/**
 * True when `path` exists. With `follow: false` a dangling symlink counts as existing (lstat).
 * Never throws for a missing path, and builds no error object for it: on a 200-stage run the
 * ENOENT exceptions of a throwing check were a visible cost.
 */
export async function pathExists(path: string, opts: { follow?: boolean } = {}): Promise<boolean> {
  return (opts.follow === false ? lstatSync(path, { throwIfNoEntry: false }) : statSync(path, { throwIfNoEntry: false })) !== undefined;
}
