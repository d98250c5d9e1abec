import { chmodSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCache } from '../../src/cache/index.js';
import { cacheSetup } from '../helpers/cache.js';
import { readTree, sha, tempDir, writeTree } from '../helpers/tree.js';

/** Write in place (same inode), as an editor that does not replace the file would. */
function editInPlace(path: string, content: string): void {
  chmodSync(path, 0o644);
  writeFileSync(path, content);
}

describe('link types', () => {
  it('hardlink: save re-links the workspace to the object (same inode, read-only)', async () => {
    const { ws, cache } = cacheSetup({ linkTypes: ['hardlink', 'copy'] });
    writeTree(ws, { 'out/a': 'a', 'out/x.sh': { content: 'x', exec: true }, f: 'file' });
    const dir = await cache.save(join(ws, 'out'));
    const file = await cache.save(join(ws, 'f'));
    for (const [p, h] of [
      ['out/a', sha('a')],
      ['out/x.sh', sha('x')],
      ['f', file.hash],
    ] as const) {
      const st = statSync(join(ws, p));
      expect(st.ino).toBe(statSync(cache.objectPath(h)).ino);
      expect(st.mode & 0o222).toBe(0);
    }
    expect(statSync(join(ws, 'out/x.sh')).mode & 0o777).toBe(0o555);
    const dest = join(ws, 'dest');
    await cache.checkout(dir.hash, dest);
    expect(statSync(join(dest, 'a')).ino).toBe(statSync(cache.objectPath(sha('a'))).ino);
    expect(readTree(dest)).toEqual({ a: 'a', 'x.sh': 'x' });
    expect(await cache.save(join(ws, 'out'))).toEqual(dir); // idempotent on linked files
  });

  it('copy: checkout gives an independent writable file; editing it leaves the cache intact', async () => {
    const { ws, cache } = cacheSetup({ linkTypes: ['copy'] });
    writeFileSync(join(ws, 'f'), 'original');
    const info = await cache.save(join(ws, 'f'));
    const out = join(ws, 'out');
    await cache.checkout(info.hash, out);
    expect(statSync(out).ino).not.toBe(statSync(cache.objectPath(info.hash)).ino);
    editInPlace(out, 'edited!!');
    expect(readFileSync(cache.objectPath(info.hash), 'utf8')).toBe('original');
    expect(await cache.verify(info.hash)).toEqual({ missing: [], corrupt: [] });
    await cache.checkout(info.hash, out);
    expect(readFileSync(out, 'utf8')).toBe('original');
  });

  it('default (reflink, copy) falls back to copy where the fs cannot clone', async () => {
    const { ws, cache } = cacheSetup();
    writeTree(ws, { 'd/a': 'aaa' });
    const info = await cache.save(join(ws, 'd'));
    const dest = join(ws, 'dest');
    await cache.checkout(info.hash, dest);
    expect(statSync(join(dest, 'a')).ino).not.toBe(statSync(cache.objectPath(sha('aaa'))).ino);
    editInPlace(join(dest, 'a'), 'zzz');
    expect(await cache.verify(info.hash)).toEqual({ missing: [], corrupt: [] });
  });

  it('hardlink: a forced in-place edit corrupts the shared object, and verify notices', async () => {
    const { ws, cache, cacheDir } = cacheSetup({ linkTypes: ['hardlink'] });
    writeTree(ws, { 'out/a': 'aaaa', 'out/b': 'bbbb' });
    const info = await cache.save(join(ws, 'out'));
    editInPlace(join(ws, 'out/a'), 'AAAA'); // the documented trade-off of hardlinks
    expect(await cache.verify(info.hash)).toEqual({ missing: [], corrupt: [sha('aaaa')] });
    expect(await cache.hashPath(join(ws, 'out'))).not.toEqual(info); // the edit is seen as a change

    editInPlace(join(ws, 'out/b'), 'longer than before');
    // has() verifies: both bad objects are moved aside, so they are never served again.
    expect(await cache.has(info.hash)).toBe(false);
    expect(await cache.verify(info.hash)).toEqual({ missing: [sha('aaaa'), sha('bbbb')].sort(), corrupt: [] });
    expect(readdirSync(join(cacheDir, 'bad')).length).toBe(2);
  });

  it('a corrupt object of the wrong size is replaced by the next save', async () => {
    const { ws, cache } = cacheSetup();
    writeFileSync(join(ws, 'f'), 'good content');
    const info = await cache.save(join(ws, 'f'));
    editInPlace(cache.objectPath(info.hash), 'bad');
    expect((await cache.verify(info.hash)).corrupt).toEqual([info.hash]);
    await cache.save(join(ws, 'f'));
    expect(readFileSync(cache.objectPath(info.hash), 'utf8')).toBe('good content');
    expect(await cache.verify(info.hash)).toEqual({ missing: [], corrupt: [] });
  });

  it('symlink: the workspace points into the cache and still hashes as content', async () => {
    const { ws, cache } = cacheSetup({ linkTypes: ['symlink'] });
    writeTree(ws, { 'out/a': 'a', 'out/s/b': 'b', f: 'file' });
    const dir = await cache.save(join(ws, 'out'));
    const file = await cache.save(join(ws, 'f'));
    expect(readlinkSync(join(ws, 'f'))).toBe(cache.objectPath(file.hash));
    expect(lstatSync(join(ws, 'out/s/b')).isSymbolicLink()).toBe(true);
    expect(await cache.hashPath(join(ws, 'out'))).toEqual(dir);
    expect(await cache.hashPath(join(ws, 'f'))).toEqual(file);
    expect(await cache.save(join(ws, 'out'))).toEqual(dir);
    const dest = join(ws, 'dest');
    await cache.checkout(dir.hash, dest);
    expect(readlinkSync(join(dest, 'a'))).toBe(cache.objectPath(sha('a')));
  });

  it('switching link types re-places files on the next checkout', async () => {
    const root = tempDir();
    const dir = join(root, 'cache');
    const out = join(root, 'out');
    writeTree(out, { a: 'a' });
    const hard = openCache({ dir, linkTypes: ['hardlink'] });
    const info = await hard.save(out);
    expect(statSync(join(out, 'a')).ino).toBe(statSync(hard.objectPath(sha('a'))).ino);
    const copy = openCache({ dir, linkTypes: ['copy'] });
    await copy.checkout(info.hash, out);
    expect(statSync(join(out, 'a')).ino).not.toBe(statSync(hard.objectPath(sha('a'))).ino);
    expect(statSync(join(out, 'a')).mode & 0o777).toBe(0o644);
  });

  it('falls back to the next type across devices (hardlink → copy)', async (ctx) => {
    const shm = '/dev/shm';
    let other: string;
    try {
      other = join(shm, `repro-cache-${process.pid}`);
      mkdirSync(other, { recursive: true });
    } catch {
      return ctx.skip();
    }
    const ws = tempDir();
    if (statSync(other).dev === statSync(ws).dev) return ctx.skip();
    const cache = openCache({ dir: join(other, 'cache'), linkTypes: ['hardlink', 'copy'] });
    writeTree(ws, { 'out/a': 'a' });
    const info = await cache.save(join(ws, 'out'));
    const dest = join(ws, 'dest');
    await cache.checkout(info.hash, dest);
    expect(readTree(dest)).toEqual({ a: 'a' });
    expect(statSync(join(dest, 'a')).dev).not.toBe(statSync(cache.objectPath(sha('a'))).dev);
    rmSync(other, { recursive: true, force: true });
  });

  it('rejects an unknown link type', () => {
    expect(() => openCache({ dir: tempDir(), linkTypes: ['teleport' as never] })).toThrow(/unknown link type/);
  });
});
