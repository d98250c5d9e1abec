import { realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ReproError, isErrno } from '../core/errors.js';
import { gitFailure, runGit } from './git.js';
import type { RepoInfo } from './repoinfo.js';

export type { RepoInfo } from './repoinfo.js';

/**
 * The repository containing `startDir`, as `git rev-parse` finds it from there (a `.git`
 * directory or a `gitdir:` file: linked worktrees, submodules). Not found, a bare repository
 * or a git dir itself: `E_NOT_GIT`. Anything else Git refuses (e.g. "dubious ownership") is
 * `E_GIT` with Git's reason. Three small `git` calls, run at once.
 */
export async function findRepo(startDir: string): Promise<RepoInfo> {
  let dir: string;
  try {
    dir = await realpath(resolve(startDir));
  } catch (e) {
    if (!isErrno(e, 'ENOENT') && !isErrno(e, 'ENOTDIR')) throw e;
    throw notGit(startDir);
  }
  const layoutArgs = [
    'rev-parse',
    '--path-format=absolute',
    '--show-toplevel',
    '--absolute-git-dir',
    '--git-common-dir',
    '--is-shallow-repository',
    '--show-object-format',
  ];
  const [layout, sym, head] = await Promise.all([
    runGit(dir, layoutArgs),
    runGit(dir, ['symbolic-ref', '-q', 'HEAD']),
    runGit(dir, ['rev-parse', '-q', '--verify', 'HEAD^{commit}']),
  ]);
  if (layout.code !== 0) {
    if (/not a git repository|must be run in a work tree/i.test(layout.stderr)) throw notGit(startDir);
    throw gitFailure(layoutArgs, layout);
  }
  const [root, gitdir, commonDir, shallow, objectFormat] = layout.stdout.toString('utf8').trimEnd().split('\n');
  return {
    root: await realpath(root!),
    gitdir: gitdir!,
    commonDir: commonDir!,
    objectFormat: objectFormat!,
    shallow: shallow === 'true',
    branch:
      sym.code === 0
        ? sym.stdout
            .toString('utf8')
            .trim()
            .replace(/^refs\/heads\//, '')
        : null,
    head: head.code === 0 ? head.stdout.toString('utf8').trim() : null,
  };
}

function notGit(dir: string): ReproError {
  return new ReproError('E_NOT_GIT', `not a git repository: '${resolve(dir)}'`, { hint: "run 'git init' first" });
}
