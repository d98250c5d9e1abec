import { join } from 'node:path';
import { findRepoRoot } from '../core/repo.js';
import { openCache, type Cache } from '../cache/index.js';
import { cacheDirOf, cacheIsShared, readConfig, type Config } from './config.js';

/** What every command that touches a repository needs: where it is, its config, its cache. */
export interface RepoContext {
  root: string;
  config: Config;
  /** `<root>/.repro`: local, git-ignored state. */
  stateDir: string;
  cache: Cache;
}

export async function openContext(cwd: string): Promise<RepoContext> {
  const root = await findRepoRoot(cwd);
  const config = await readConfig(root);
  const stateDir = join(root, '.repro');
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
