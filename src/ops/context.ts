import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic.js';
import { isErrno } from '../core/errors.js';
import { findRepoRoot } from '../core/repo.js';
import { openCache, type Cache } from '../cache/index.js';
import { cacheDirOf, cacheIsShared, readConfig, type Config } from '../config/config.js';

/** What every command that touches a repository needs: where it is, its config, its cache. */
export interface RepoContext {
  root: string;
  config: Config;
  /** `<root>/.repro`: local, git-ignored state. */
  stateDir: string;
  cache: Cache;
}

export interface OpenOptions {
  /**
   * The command writes no local state (`repro verify`, `repro diff`): `.repro/` is neither
   * created nor changed, so a fresh clone stays exactly as checked out.
   */
  readOnly?: boolean;
}

export async function openContext(cwd: string, opts: OpenOptions = {}): Promise<RepoContext> {
  const root = await findRepoRoot(cwd);
  const config = await readConfig(root);
  const stateDir = join(root, '.repro');
  if (!opts.readOnly) await ignoreStateDir(stateDir);
  const cache = openCache({
    dir: cacheDirOf(root, config),
    linkTypes: config.cache.link,
    statCache: join(stateDir, 'stat-cache.json'),
    verifiedCache: join(stateDir, 'verified-objects.json'),
    root,
    shared: cacheIsShared(config),
  });
  return { root, config, stateDir, cache };
}

/** What `.repro/.gitignore` holds: everything in `.repro/`, itself included. */
export const STATE_GITIGNORE = '*\n';

/**
 * `.repro/` is local state (cache, stat cache, run cache, logs, the repository lock) and must
 * never reach a commit, with or without `repro init` (which also adds `/.repro` to the root
 * `.gitignore`): `git add -A` would commit the cache, and `git checkout` would then refuse to
 * switch branches over it. Every command that writes state (run, status's stat cache, checkout,
 * lineage, ...) opens its context here first without `readOnly`, so this is the one place
 * `.repro/` comes into being: it is created with a `.gitignore` of `*` inside
 * (self-ignoring, as DVC's `.dvc/.gitignore`; no file of the user's is touched). An existing
 * `.repro/.gitignore` is left as it is, so the common case is one stat. A repository repro may not
 * write to (read-only, another user's) is read as it is: a command that needs to write state
 * fails on that write, with its own error.
 */
async function ignoreStateDir(stateDir: string): Promise<void> {
  const file = join(stateDir, '.gitignore');
  try {
    await stat(file);
    return;
  } catch (e) {
    if (!isErrno(e, 'ENOENT')) throw e;
  }
  try {
    await writeFileAtomic(file, STATE_GITIGNORE); // creates .repro/ too
  } catch (e) {
    if (isErrno(e, 'EACCES') || isErrno(e, 'EPERM') || isErrno(e, 'EROFS') || isErrno(e, 'EEXIST') || isErrno(e, 'ENOTDIR')) return;
    throw e;
  }
}
