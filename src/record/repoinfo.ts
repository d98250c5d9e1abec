import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { isErrno } from '../core/errors.js';

/**
 * A Git repository as this module sees it. `gitdir` is the per-worktree git dir (HEAD, index);
 * `commonDir` the shared one (objects, refs, config): they differ only in a linked worktree
 * (`git worktree add`). `head`, `branch` and `shallow` are read once, by `findRepo`.
 */
export interface RepoInfo {
  /** The work tree's top directory (real path). */
  root: string;
  gitdir: string;
  /** Commit sha HEAD points at, null before the first commit. */
  head: string | null;
  /** Branch short name (`main`), null when HEAD is detached. */
  branch: string | null;
  /** True in a shallow clone: history stops at the commits listed in `<commonDir>/shallow`. */
  shallow: boolean;
  /** Shared git dir; defaults to what `<gitdir>/commondir` names, else `gitdir`. */
  commonDir?: string;
}

/** What `<gitdir>/commondir` names (relative to gitdir), else gitdir itself. */
export async function readCommonDir(gitdir: string): Promise<string> {
  try {
    return resolve(gitdir, (await readFile(join(gitdir, 'commondir'), 'utf8')).trim());
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return gitdir;
    throw e;
  }
}

/**
 * The shared git dir (objects, refs, config) of `repo`. Fills `repo.commonDir` when a caller
 * built the RepoInfo without it.
 */
export async function commonDirOf(repo: RepoInfo): Promise<string> {
  return repo.commonDir ?? (repo.commonDir = await readCommonDir(repo.gitdir));
}
