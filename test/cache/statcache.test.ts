import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCache } from '../../src/cache/index.js';
import { hashCounters } from '../../src/cache/hash.js';
import { StatCache, isRacy } from '../../src/cache/statcache.js';
import { cacheSetup } from '../helpers/cache.js';
import { age, ageTree, sha, tempDir, writeTree } from '../helpers/tree.js';

/** Files read for hashing while `fn` runs. */
async function reads(fn: () => Promise<unknown>): Promise<number> {
  const before = hashCounters.files;
  await fn();
  return hashCounters.files - before;
}

describe('stat cache', () => {
  it('reuses a hash without reading the file while its stat is unchanged', async () => {
    const { ws, cache } = cacheSetup();
    const f = join(ws, 'f.txt');
    writeFileSync(f, 'content');
    age(f);
    expect(await reads(() => cache.hashFile(f))).toBe(1);
    expect(await reads(() => cache.hashFile(f))).toBe(0);
    expect(await cache.hashFile(f)).toEqual({ hash: sha('content'), size: 7 });
  });

  it('re-hashes content modified with a new mtime, even at the same size', async () => {
    const { ws, cache } = cacheSetup();
    const f = join(ws, 'f.txt');
    writeFileSync(f, 'aaaa');
    age(f, 7200);
    expect((await cache.hashFile(f)).hash).toBe(sha('aaaa'));
    writeFileSync(f, 'bbbb');
    age(f, 3600);
    expect(await reads(async () => expect((await cache.hashFile(f)).hash).toBe(sha('bbbb')))).toBe(1);
  });

  it('does not trust a racily clean file: one written just before it was hashed', async () => {
    const { ws, cache } = cacheSetup();
    const f = join(ws, 'fresh.txt');
    writeFileSync(f, 'new');
    expect(await reads(() => cache.hashFile(f))).toBe(1);
    expect(await reads(() => cache.hashFile(f))).toBe(1); // no entry was recorded
    age(f);
    await cache.hashFile(f);
    expect(await reads(() => cache.hashFile(f))).toBe(0);
  });

  it('applies the racy margin by timestamp granularity', () => {
    const t = 1_800_000_000_000;
    const st = (mtimeMs: number) => ({ mtimeMs }) as import('node:fs').Stats;
    expect(isRacy(st(t - 10.5), t)).toBe(true); // fine-grained fs: within 50 ms
    expect(isRacy(st(t - 50.5), t)).toBe(false);
    expect(isRacy(st(t + 5.5), t)).toBe(true); // mtime ahead of the clock
    expect(isRacy(st(t - 1000), t)).toBe(true); // whole seconds: the fs may have 1-2 s granularity
    expect(isRacy(st(t - 3000), t)).toBe(false);
  });

  it('persists on flush and is used by the next process; unchanged caches are not rewritten', async () => {
    const { root, ws, cache } = cacheSetup();
    writeTree(ws, { 'd/a': 'a', 'd/b': 'b', c: 'c' });
    ageTree(ws);
    const first = await cache.hashPath(ws);
    await cache.flush();
    const file = join(root, 'stat.json');
    const mtime = statSync(file).mtimeMs;
    const again = openCache({ dir: join(root, 'cache'), statCache: file });
    let second;
    expect(await reads(async () => (second = await again.hashPath(ws)))).toBe(0);
    expect(second).toEqual(first);
    await again.flush();
    expect(statSync(file).mtimeMs).toBe(mtime);
  });

  it('ignores a corrupt or foreign stat-cache file', async () => {
    for (const junk of ['{not json', '[]', '{"v":99,"d":{}}', '{"v":1,"d":{"/x":"a/b/c"}}', '']) {
      const root = tempDir();
      const file = join(root, 'stat.json');
      writeFileSync(file, junk);
      const f = join(root, 'f');
      writeFileSync(f, 'x');
      age(f);
      const cache = openCache({ dir: join(root, 'cache'), statCache: file });
      expect((await cache.hashFile(f)).hash).toBe(sha('x'));
      await cache.flush();
      expect(JSON.parse(readFileSync(file, 'utf8')).v).toBe(1);
    }
    const dirAsFile = tempDir();
    mkdirSync(join(dirAsFile, 'stat.json'));
    expect(() => StatCache.load(join(dirAsFile, 'stat.json'))).not.toThrow();
  });

  it('a wrong entry costs a re-hash, never a wrong answer', async () => {
    const { root, ws, cache } = cacheSetup();
    const f = join(ws, 'f');
    writeFileSync(f, 'truth');
    age(f);
    await cache.hashFile(f);
    await cache.flush();
    const file = join(root, 'stat.json');
    // Tamper with the recorded stat (not the hash): the entry no longer matches, so it is re-read.
    const disk = JSON.parse(readFileSync(file, 'utf8'));
    disk.d[ws] = disk.d[ws].replace(/\/(\d+) /, (_: string, ino: string) => `/${Number(ino) + 1} `);
    writeFileSync(file, JSON.stringify(disk));
    const again = openCache({ dir: join(root, 'cache'), statCache: file });
    expect(await reads(async () => expect((await again.hashFile(f)).hash).toBe(sha('truth')))).toBe(1);
  });

  it('forgets files and directories that disappeared from a walked output', async () => {
    const { root, ws, cache } = cacheSetup();
    writeTree(ws, { 'gone/a': 'a', keep: 'k', drop: 'd' });
    ageTree(ws);
    await cache.hashPath(ws);
    await cache.flush();
    const file = join(root, 'stat.json');
    expect(Object.keys(JSON.parse(readFileSync(file, 'utf8')).d).sort()).toEqual([ws, join(ws, 'gone')].sort());
    const again = openCache({ dir: join(root, 'cache'), statCache: file });
    rmSync(join(ws, 'gone'), { recursive: true });
    rmSync(join(ws, 'drop'));
    await again.hashPath(ws);
    await again.flush();
    const d = JSON.parse(readFileSync(file, 'utf8')).d;
    expect(Object.keys(d)).toEqual([ws]);
    expect(d[ws]).toMatch(/^keep\//);
  });
});
