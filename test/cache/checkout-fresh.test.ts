import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCache, type LinkType } from '../../src/cache/index.js';
import { FRESH_MIN_FILES } from '../../src/cache/checkout-fresh.js';
import { hashCounters } from '../../src/cache/hash.js';
import { cacheSetup } from '../helpers/cache.js';
import { age, readTree, sha, tempDir, writeTree, type TreeSpec } from '../helpers/tree.js';

// A directory checkout into a destination that does not exist, big enough for the worker threads
// (checkout-fresh.ts): placed into a temp directory beside it, renamed into place as a whole.
const N = FRESH_MIN_FILES + 300;

/** `n` small files in nested directories, an executable, an empty file and a 3 MiB one. */
function bigSpec(n = N): TreeSpec {
  const spec: TreeSpec = { 'top.txt': 'top', 'x.sh': { content: '#!/bin/sh\n', exec: true }, 'd2/empty': '' };
  for (let i = 0; i < n; i++) spec[`d${i % 5}/e${i % 7}/f${i}.txt`] = `file ${i}\n`;
  spec['d1/big.bin'] = Buffer.alloc(3 << 20, 7); // over the small-copy limit
  return spec;
}

/** A saved big tree with aged objects; `reopen` gives a new cache over the same stat cache. */
async function saved(link: LinkType, spec = bigSpec()) {
  const s = cacheSetup({ linkTypes: [link] });
  writeTree(join(s.ws, 'out'), spec);
  const info = await s.cache.save(join(s.ws, 'out'));
  const want = readTree(join(s.ws, 'out'));
  // Old objects: a link to one shares its mtime, so its stat-cache entry is not racy.
  for (const sub of readdirSync(join(s.cacheDir, 'objects'))) {
    for (const f of readdirSync(join(s.cacheDir, 'objects', sub))) age(join(s.cacheDir, 'objects', sub, f));
  }
  const reopen = () => openCache({ dir: s.cacheDir, linkTypes: [link], statCache: join(s.root, 'stat.json') });
  // Into a destination whose parents do not exist either.
  const parent = join(s.root, 'a', 'b');
  return { ...s, info, want, reopen, parent, dest: join(parent, 'dest') };
}

/** Entries of `dir` other than `keep`: a temp directory left beside the destination would show. */
const others = (dir: string, keep: string): string[] => (existsSync(dir) ? readdirSync(dir).filter((n) => n !== keep) : []);

describe('checkout of a big directory into a destination that does not exist', () => {
  for (const link of ['copy', 'hardlink', 'symlink'] as const) {
    it(`${link}: every file, with its mode, and nothing left beside it`, async () => {
      const s = await saved(link);
      await s.reopen().checkout(s.info.hash, s.dest);
      expect(readTree(s.dest)).toEqual(s.want);
      expect(others(s.parent, 'dest')).toEqual([]);
      const f = join(s.dest, 'd3/e3/f3.txt');
      const obj = s.cacheDir && join(s.cacheDir, 'objects', sha('file 3\n').slice(0, 2), sha('file 3\n').slice(2));
      expect(statSync(f).ino === statSync(obj).ino).toBe(link !== 'copy');
      expect(statSync(join(s.dest, 'x.sh')).mode & 0o100).toBe(0o100);
      if (link === 'copy') {
        expect(statSync(f).mode & 0o777).toBe(0o644 & ~process.umask());
        expect(statSync(join(s.dest, 'x.sh')).mode & 0o777).toBe(0o755 & ~process.umask());
        expect(readFileSync(join(s.dest, 'd1/big.bin')).length).toBe(3 << 20);
      }
    });
  }

  it('hardlink: a status right after it reads nothing and agrees; an edit with its mtime put back is seen', async () => {
    const s = await saved('hardlink');
    const c = s.reopen();
    await c.checkout(s.info.hash, s.dest);
    await c.flush();
    let reads = hashCounters.files;
    expect((await s.reopen().hashPath(s.dest))?.hash).toBe(s.info.hash);
    expect(hashCounters.files - reads).toBe(0);

    const f = join(s.dest, 'd1/e4/f1761.txt');
    const before = statSync(f);
    chmodSync(f, 0o644);
    writeFileSync(f, 'FILE 1761\n'.slice(0, before.size));
    chmodSync(f, before.mode & 0o777);
    utimesSync(f, before.atime, before.mtime);
    reads = hashCounters.files;
    expect((await s.reopen().hashPath(s.dest))?.hash).not.toBe(s.info.hash);
    expect(hashCounters.files - reads).toBe(1);
  });

  it('judges every object it places: an untrusted one is hashed once, a known one not at all', async () => {
    const s = await saved('hardlink');
    const verified = join(s.root, 'verified.json');
    const open = () => openCache({ dir: s.cacheDir, linkTypes: ['hardlink'], verifiedCache: verified });
    let reads = hashCounters.files;
    const c = open();
    await c.checkout(s.info.hash, s.dest);
    await c.flush();
    expect(hashCounters.files - reads).toBe(N + 5); // each member once (aged objects are unknown), and the manifest
    rmSync(s.dest, { recursive: true });
    reads = hashCounters.files;
    await open().checkout(s.info.hash, s.dest);
    expect(hashCounters.files - reads).toBe(0);
    expect(readTree(s.dest)).toEqual(s.want);
  });

  for (const link of ['copy', 'hardlink'] as const) {
    it(`${link}: a missing object fails with E_CACHE before the destination exists, leaving nothing`, async () => {
      const s = await saved(link);
      rmSync(join(s.cacheDir, 'objects', sha('file 2000\n').slice(0, 2), sha('file 2000\n').slice(2)));
      await expect(s.reopen().checkout(s.info.hash, s.dest)).rejects.toMatchObject({ code: 'E_CACHE', problem: 'missing' });
      expect(existsSync(s.dest)).toBe(false);
      expect(others(s.parent, 'dest')).toEqual([]);
    });

    it(`${link}: a corrupt object is quarantined and fails with E_CACHE; the destination is never created`, async () => {
      const s = await saved(link);
      const obj = join(s.cacheDir, 'objects', sha('file 1234\n').slice(0, 2), sha('file 1234\n').slice(2));
      chmodSync(obj, 0o644);
      writeFileSync(obj, 'FILE 1234\n'); // the same size: only its hash tells
      await expect(s.reopen().checkout(s.info.hash, s.dest)).rejects.toMatchObject({ code: 'E_CACHE', problem: 'corrupt' });
      expect(existsSync(s.dest)).toBe(false);
      expect(others(s.parent, 'dest')).toEqual([]);
      expect(readdirSync(join(s.cacheDir, 'bad')).length).toBe(1);
    });
  }

  it('hardlink across devices falls back to the next type (copy) for the whole tree', async (ctx) => {
    const other = join('/dev/shm', `repro-fresh-${process.pid}`);
    try {
      mkdirSync(other, { recursive: true });
    } catch {
      return ctx.skip();
    }
    const ws = tempDir();
    if (statSync(other).dev === statSync(ws).dev) return ctx.skip();
    try {
      const cache = openCache({ dir: join(other, 'cache'), linkTypes: ['hardlink', 'copy'] });
      const spec = bigSpec();
      delete spec['d1/big.bin'];
      writeTree(join(ws, 'out'), spec);
      const info = await cache.save(join(ws, 'out'));
      const want = readTree(join(ws, 'out'));
      const dest = join(ws, 'dest');
      await cache.checkout(info.hash, dest);
      expect(readTree(dest)).toEqual(want);
      expect(others(ws, 'dest').filter((n) => n !== 'out')).toEqual([]);
      expect(statSync(join(dest, 'top.txt')).dev).not.toBe(statSync(cache.objectPath(sha('top'))).dev);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});
