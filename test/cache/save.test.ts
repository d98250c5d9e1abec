import { existsSync, lstatSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHUNK_BYTES } from '../../src/cache/index.js';
import { hashCounters } from '../../src/cache/hash.js';
import { cacheSetup } from '../helpers/cache.js';
import { ageTree, readTree, sha, writeTree } from '../helpers/tree.js';

describe('save and hash', () => {
  it('round-trips a file: the object is named by its sha256 and is read-only', async () => {
    const { ws, cache } = cacheSetup();
    const f = join(ws, 'model.bin');
    writeFileSync(f, 'weights');
    const info = await cache.save(f);
    expect(info).toEqual({ hash: sha('weights'), size: 7, isDir: false });
    expect(cache.objectPath(info.hash)).toMatch(new RegExp(`objects/${info.hash.slice(0, 2)}/${info.hash.slice(2)}$`));
    expect(readFileSync(cache.objectPath(info.hash), 'utf8')).toBe('weights');
    expect(statSync(cache.objectPath(info.hash)).mode & 0o777).toBe(0o444);
    expect(readFileSync(f, 'utf8')).toBe('weights'); // workspace unchanged
    expect(await cache.has(info.hash)).toBe(true);

    const out = join(ws, 'restored', 'model.bin');
    await cache.checkout(info.hash, out);
    expect(readFileSync(out, 'utf8')).toBe('weights');
    expect(statSync(out).mode & 0o777).toBe(0o644);
  });

  it('round-trips large files across the read-size boundary', async () => {
    const { ws, cache } = cacheSetup();
    const sizes = [CHUNK_BYTES - 1, CHUNK_BYTES, CHUNK_BYTES + 1, 3 * CHUNK_BYTES + 17];
    for (const size of sizes) {
      const data = randomBytes(size);
      const f = join(ws, `big-${size}`);
      writeFileSync(f, data);
      expect(await cache.hashPath(f)).toEqual({ hash: sha(data), size, isDir: false });
      const info = await cache.save(f);
      expect(info.hash).toBe(sha(data));
      const out = join(ws, `out-${size}`);
      await cache.checkout(info.hash, out);
      expect(readFileSync(out).equals(data)).toBe(true);
    }
  });

  it('hashPath stores nothing and returns null for a missing path', async () => {
    const { ws, cacheDir, cache } = cacheSetup();
    writeTree(ws, { 'd/a': 'a' });
    expect(await cache.hashPath(join(ws, 'd'))).toMatchObject({ isDir: true, nfiles: 1, size: 1 });
    expect(await cache.hashPath(join(ws, 'nope'))).toBeNull();
    expect(await cache.hashPath(join(ws, 'd', 'a', 'below-a-file'))).toBeNull();
    expect(existsSync(join(cacheDir, 'objects'))).toBe(false);
  });

  it('round-trips a directory: nested dirs, empty files, the exec bit', async () => {
    const { ws, cache } = cacheSetup();
    const src = join(ws, 'src');
    writeTree(src, {
      'top.txt': 'top',
      empty: '',
      'a/b/c/deep.txt': 'deep',
      'a/b/empty-too': '',
      'bin/tool': { content: '#!/bin/sh\n', exec: true },
    });
    const info = await cache.save(src);
    expect(info).toMatchObject({ isDir: true, nfiles: 5, size: 3 + 4 + 10 });
    expect(info.hash).toMatch(/^[0-9a-f]{64}\.dir$/);
    expect(await cache.has(info.hash)).toBe(true);

    const dest = join(ws, 'dest');
    await cache.checkout(info.hash, dest);
    expect(readTree(dest)).toEqual(readTree(src));
    expect(statSync(join(dest, 'bin/tool')).mode & 0o777).toBe(0o755);
    expect(statSync(join(dest, 'top.txt')).mode & 0o777).toBe(0o644);
    expect(await cache.hashPath(dest)).toEqual(info);
  });

  it('saving twice is idempotent and the second save reads nothing', async () => {
    const { ws, cache } = cacheSetup();
    writeTree(ws, { a: 'a', 'd/b': 'b', 'd/c': { content: 'c', exec: true } });
    ageTree(ws);
    const first = await cache.save(ws);
    const obj = cache.objectPath(first.hash);
    const before = statSync(obj);
    const reads = hashCounters.files;
    const second = await cache.save(ws);
    expect(hashCounters.files - reads).toBe(0);
    expect(second).toEqual(first);
    const after = statSync(obj);
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
  });

  it('stores an in-output symlink to a file inside it as content; refuses other links', async () => {
    const { ws, cache } = cacheSetup();
    const out = join(ws, 'out');
    writeTree(out, { 'real.txt': 'real', 'sub/x': 'x' });
    symlinkSync('real.txt', join(out, 'alias.txt'));
    const info = await cache.save(out);
    const dest = join(ws, 'dest');
    await cache.checkout(info.hash, dest);
    expect(lstatSync(join(dest, 'alias.txt')).isFile()).toBe(true);
    expect(readTree(dest)).toEqual({ 'alias.txt': 'real', 'real.txt': 'real', 'sub/x': 'x' });

    writeFileSync(join(ws, 'outside.txt'), 'o');
    symlinkSync('../outside.txt', join(out, 'escape'));
    await expect(cache.hashPath(out)).rejects.toMatchObject({ code: 'E_PATH_ESCAPE' });
    rmSync(join(out, 'escape'));
    symlinkSync('sub', join(out, 'dirlink'));
    await expect(cache.save(out)).rejects.toMatchObject({ code: 'E_CACHE' });
    rmSync(join(out, 'dirlink'));
    symlinkSync('nowhere', join(out, 'dangling'));
    await expect(cache.save(out)).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
  });

  it('save of a missing path is E_NOT_FOUND; leaves no temp files behind', async () => {
    const { ws, cacheDir, cache } = cacheSetup();
    await expect(cache.save(join(ws, 'nope'))).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    writeFileSync(join(ws, 'big'), randomBytes(CHUNK_BYTES * 2));
    await cache.save(join(ws, 'big'));
    expect(readdirSync(join(cacheDir, 'tmp'))).toEqual([]);
  });

  it('concurrent saves and hashes in one cache do not mix up content', async () => {
    const { ws, cache } = cacheSetup();
    const trees = ['a', 'b', 'c', 'd'].map((name, k) => {
      const spec: Record<string, Buffer> = {};
      for (let i = 0; i < 40; i++) spec[`f${i}`] = randomBytes(i % 7 === 0 ? CHUNK_BYTES + 1000 * k : 100 + i + k);
      writeTree(join(ws, name), spec);
      return { dir: join(ws, name), spec };
    });
    const infos = await Promise.all(trees.map((t, k) => (k % 2 ? cache.save(t.dir) : cache.hashPath(t.dir))));
    for (const [k, t] of trees.entries()) {
      const expected = Object.keys(t.spec)
        .sort()
        .map((p) => ({ path: p, hash: sha(t.spec[p]!), size: t.spec[p]!.length, mode: 0o644 }));
      if (k % 2) expect(await cache.readManifest(infos[k]!.hash)).toEqual(expected);
      expect(infos[k]).toEqual(await cache.hashPath(t.dir));
    }
  });

  it('hashFile refuses what is not a regular file', async () => {
    const { ws, cache } = cacheSetup();
    await expect(cache.hashFile(join(ws, 'nope'))).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    await expect(cache.hashFile(ws)).rejects.toMatchObject({ code: 'E_CACHE' });
  });
});
