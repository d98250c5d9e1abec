import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openCache } from '../../src/cache/index.js';
import type { Cache, LinkType } from '../../src/cache/index.js';
import { tempDir } from './tree.js';

/** A workspace (`ws`) and a cache beside it below one temp dir, removed after the test file. */
export function cacheSetup(opts: { linkTypes?: LinkType[]; statCache?: boolean } = {}): {
  root: string;
  ws: string;
  cacheDir: string;
  cache: Cache;
} {
  const root = tempDir('repro-cache-');
  const ws = join(root, 'ws');
  mkdirSync(ws);
  const cacheDir = join(root, 'cache');
  const cache = openCache({
    dir: cacheDir,
    linkTypes: opts.linkTypes,
    statCache: opts.statCache === false ? undefined : join(root, 'stat.json'),
  });
  return { root, ws, cacheDir, cache };
}
