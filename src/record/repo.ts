import { lstat, readFile, realpath, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ReproError, isErrno } from '../core/errors.js';
import { readRepoConfig } from './config.js';
import { readRef, readSymbolicRef } from './refs.js';
import { readCommonDir, type RepoInfo } from './repoinfo.js';

export type { RepoInfo } from './repoinfo.js';

/**
 * The repository containing `startDir`: walks up to the first `.git`, a directory or a file
 * holding `gitdir: <path>` (linked worktrees, submodules), and follows `commondir`.
 * Not found: `E_NOT_GIT`. Repositories this module cannot write correctly (SHA-256 object
 * format, reftable ref storage) are `E_GIT` here rather than corrupted later.
 */
export async function findRepo(startDir: string): Promise<RepoInfo> {
  let dir: string;
  try {
    dir = await realpath(resolve(startDir));
  } catch (e) {
    if (!isErrno(e, 'ENOENT') && !isErrno(e, 'ENOTDIR')) throw e;
    throw notGit(startDir);
  }
  for (;;) {
    const gitdir = await gitdirAt(dir);
    if (gitdir) return describe(dir, gitdir);
    const up = dirname(dir);
    if (up === dir) throw notGit(startDir);
    dir = up;
  }
}

function notGit(dir: string): ReproError {
  return new ReproError('E_NOT_GIT', `not a git repository: '${resolve(dir)}'`, { hint: "run 'git init' first" });
}

/** The git dir `<dir>/.git` stands for, or null when there is none (or it is not a git dir). */
async function gitdirAt(dir: string): Promise<string | null> {
  const dotgit = join(dir, '.git');
  let st;
  try {
    st = await lstat(dotgit);
  } catch (e) {
    if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR') || isErrno(e, 'EACCES')) return null;
    throw e;
  }
  let gitdir = dotgit;
  if (st.isFile()) {
    const m = /^gitdir:\s*(.+?)\s*$/m.exec(await readFile(dotgit, 'utf8'));
    if (!m) return null;
    gitdir = resolve(dir, m[1]!);
  } else if (st.isSymbolicLink()) {
    gitdir = await realpath(dotgit);
  }
  return (await isFile(join(gitdir, 'HEAD'))) ? gitdir : null;
}

async function describe(root: string, gitdir: string): Promise<RepoInfo> {
  const commonDir = await readCommonDir(gitdir);
  const config = await readRepoConfig(commonDir);
  const format = config.get('extensions.objectformat');
  if (format && format.toLowerCase() !== 'sha1') {
    throw new ReproError('E_GIT', `unsupported git object format '${format}': '${root}'`, {
      hint: 'repro records runs in SHA-1 repositories only',
    });
  }
  const refStorage = config.get('extensions.refstorage');
  if (refStorage && refStorage.toLowerCase() !== 'files') {
    throw new ReproError('E_GIT', `unsupported git ref storage '${refStorage}': '${root}'`, {
      hint: 'repro needs the files ref backend (git refs migrate --ref-format=files)',
    });
  }
  const repo: RepoInfo = { root, gitdir, head: null, branch: null, shallow: false, commonDir };
  const target = await readSymbolicRef(repo, 'HEAD');
  repo.branch = target === null ? null : target.replace(/^refs\/heads\//, '');
  repo.head = await readRef(repo, 'HEAD');
  repo.shallow = await isFile(join(commonDir, 'shallow'));
  return repo;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch (e) {
    if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) return false;
    throw e;
  }
}
