import { stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ReproError, isErrno } from './errors.js';

/**
 * The work-tree root above `start`: the nearest directory holding `.git` (a directory, or a file
 * as in worktrees and submodules). Cheap on purpose (a few stats) so that a no-op `repro run`
 * need not load the Git library; record/ does the full job when a run is recorded.
 */
export async function findRepoRoot(start: string): Promise<string> {
  let dir = resolve(start);
  for (;;) {
    try {
      await stat(join(dir, '.git'));
      return dir;
    } catch (e) {
      if (!isErrno(e, 'ENOENT') && !isErrno(e, 'ENOTDIR')) throw e;
    }
    const up = dirname(dir);
    if (up === dir) {
      throw new ReproError('E_NOT_GIT', `not a git repository (or any parent): '${resolve(start)}'`, {
        hint: "run 'git init' first: repro records runs in Git",
      });
    }
    dir = up;
  }
}
