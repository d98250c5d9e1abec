import { chmodSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCache } from '../../src/cache/index.js';
import { hashCounters } from '../../src/cache/hash.js';
import { cacheSetup } from '../helpers/cache.js';
import { age, listDirs, readTree, sha, writeTree } from '../helpers/tree.js';

describe('checkout', () => {
  it('checkout of a directory removes extra files and dirs, fixes changed ones, keeps the rest', async () => {
    const { ws, cache } = cacheSetup();
    const out = join(ws, 'out');
    writeTree(out, { 'keep.txt': 'k', 'sub/x.txt': 'x', 'sub/deeper/y': 'y', 'f-or-d': 'file' });
    const info = await cache.save(out);
    const wanted = readTree(out);

    writeTree(out, { 'extra.txt': 'e', 'sub/extra': 'e', 'junk/a/b': 'j', 'sub/x.txt': 'changed' });
    mkdirSync(join(out, 'empty-dir'));
    rmSync(join(out, 'sub/deeper'), { recursive: true });
    rmSync(join(out, 'f-or-d'));
    writeTree(out, { 'f-or-d/inner': 'now a dir' });
    writeFileSync(join(out, 'sub-file-then-dir'), 'x');

    await cache.checkout(info.hash, out);
    expect(readTree(out)).toEqual(wanted);
    expect(listDirs(out)).toEqual(['sub', 'sub/deeper']);
  });

  it('checkout replaces a file by a directory and a directory by a file', async () => {
    const { ws, cache } = cacheSetup();
    writeTree(ws, { 'd/x': 'x', f: 'file' });
    const dirInfo = await cache.save(join(ws, 'd'));
    const fileInfo = await cache.save(join(ws, 'f'));
    await cache.checkout(dirInfo.hash, join(ws, 'f'));
    expect(readTree(join(ws, 'f'))).toEqual({ x: 'x' });
    await cache.checkout(fileInfo.hash, join(ws, 'd'));
    expect(readFileSync(join(ws, 'd'), 'utf8')).toBe('file');
  });

  it('fails with E_CACHE on a missing object, and touches nothing for a dir with a missing member', async () => {
    const { ws, cache } = cacheSetup();
    const missing = sha('never stored');
    await expect(cache.checkout(missing, join(ws, 'x'))).rejects.toMatchObject({
      code: 'E_CACHE',
      message: `object missing from cache: '${missing}'`,
      hint: "run the stage again ('repro run')",
    });
    expect(await cache.has(missing)).toBe(false);

    writeTree(ws, { 'out/a': 'a', 'out/b': 'b' });
    const info = await cache.save(join(ws, 'out'));
    rmSync(cache.objectPath(sha('b')));
    expect(await cache.has(info.hash)).toBe(false);
    writeFileSync(join(ws, 'out', 'a'), 'local edit');
    await expect(cache.checkout(info.hash, join(ws, 'out'))).rejects.toMatchObject({ code: 'E_CACHE' });
    expect(readFileSync(join(ws, 'out', 'a'), 'utf8')).toBe('local edit');
    expect(() => cache.objectPath('../../etc/passwd')).toThrow(/invalid object hash/);
  });

  it('leaves files that are in place alone: a second checkout rewrites nothing', async () => {
    const { ws, cache } = cacheSetup();
    writeTree(ws, { 'src/a': 'aaa', 'src/b/c': 'ccc', 'src/x': { content: 'x', exec: true } });
    const info = await cache.save(join(ws, 'src'));
    const out = join(ws, 'out');
    await cache.checkout(info.hash, out);
    const ino = (p: string) => statSync(join(out, p)).ino;
    const before = ['a', 'b/c', 'x'].map(ino);
    // Just written, so racily clean: the files are read to compare, not rewritten.
    await cache.checkout(info.hash, out);
    expect(['a', 'b/c', 'x'].map(ino)).toEqual(before);

    writeFileSync(join(out, 'a'), 'AAA'); // same size, new content
    chmodSync(join(out, 'x'), 0o644); // only the exec bit lost
    for (const p of ['a', 'b/c', 'x']) age(join(out, p));
    await cache.checkout(info.hash, out);
    expect(readTree(out)).toEqual({ a: 'aaa', 'b/c': 'ccc', x: 'x' });
    expect(statSync(join(out, 'x')).mode & 0o777).toBe(0o755);
    expect(ino('x')).toBe(before[2]);
    expect(ino('b/c')).toBe(before[1]);

    // Now aged and recorded: a further checkout does not even read.
    for (const p of ['a', 'b/c', 'x']) age(join(out, p));
    await cache.hashPath(out);
    const reads = hashCounters.files;
    await cache.checkout(info.hash, out);
    expect(hashCounters.files - reads).toBe(0);
  });
});

describe('checkout in hardlink mode', () => {
  it('a link made or removed does not make the objects untrusted: checkout after rm -rf reads nothing', async () => {
    const s = cacheSetup({ linkTypes: ['hardlink'] });
    const reopen = () =>
      openCache({
        dir: s.cacheDir,
        linkTypes: ['hardlink'],
        statCache: join(s.root, 'stat.json'),
        verifiedCache: join(s.root, 'verified.json'),
      });
    writeTree(s.ws, { 'out/a': 'aaaa', 'out/sub/b': 'bbbb' });
    const info = await s.cache.save(join(s.ws, 'out'));
    for (const h of [info.hash, sha('aaaa'), sha('bbbb')]) age(s.cache.objectPath(h));
    const first = reopen();
    expect((await first.check(info.hash)).ok).toBe(true);
    await first.flush();

    // Each link and unlink changes the objects' ctime (their link count); the coarse clock may
    // need a few ms to move on.
    await new Promise((r) => setTimeout(r, 30));
    const dest = join(s.ws, 'copy');
    const second = reopen();
    let reads = hashCounters.files;
    await second.checkout(info.hash, dest);
    await second.flush();
    expect(hashCounters.files - reads).toBe(0);
    expect(statSync(join(dest, 'sub/b')).ino).toBe(statSync(s.cache.objectPath(sha('bbbb'))).ino);

    await new Promise((r) => setTimeout(r, 30));
    rmSync(dest, { recursive: true });
    rmSync(join(s.ws, 'out'), { recursive: true });
    reads = hashCounters.files;
    await reopen().checkout(info.hash, dest);
    expect(hashCounters.files - reads).toBe(0);
    expect(readTree(dest)).toEqual({ a: 'aaaa', 'sub/b': 'bbbb' });
  });
});
