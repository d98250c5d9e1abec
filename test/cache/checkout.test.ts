import {
  chmodSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCache } from '../../src/cache/index.js';
import { hashCounters } from '../../src/cache/hash.js';
import { cacheSetup } from '../helpers/cache.js';
import { age, ageTree, listDirs, readTree, sha, writeTree } from '../helpers/tree.js';

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
    // b must be placed (were it in place and its stat-cache entry not racy, nothing would need its
    // object, and the checkout would rightly succeed: the test failed that way on a loaded machine).
    rmSync(join(ws, 'out', 'b'));
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

describe('checkout of a directory into new places (several in flight)', () => {
  for (const link of ['copy', 'hardlink'] as const) {
    it(`${link}: a nested tree, a large member and an executable, into an empty destination`, async () => {
      const s = cacheSetup({ linkTypes: [link] });
      const big = Buffer.alloc(3 << 20, 7); // over the small-copy limit: goes through a temp file
      const spec: Parameters<typeof writeTree>[1] = { 'top.txt': 'top', 'x.sh': { content: '#!/bin/sh\n', exec: true } };
      for (let i = 0; i < 40; i++) spec[`d${i % 4}/e${i % 3}/f${i}.txt`] = `file ${i}\n`;
      writeTree(s.ws, { ...spec, 'empty.txt': '' });
      writeFileSync(join(s.ws, 'd1/big.bin'), big);
      rmSync(join(s.ws, 'empty.txt'));
      writeFileSync(join(s.ws, 'd2/empty'), '');
      const info = await s.cache.save(s.ws);
      const wanted = readTree(s.ws);

      const dest = join(s.root, 'dest');
      await s.cache.checkout(info.hash, dest);
      expect(readTree(dest)).toEqual(wanted);
      expect(readFileSync(join(dest, 'd1/big.bin')).equals(big)).toBe(true);
      expect(statSync(join(dest, 'x.sh')).mode & 0o100).toBe(0o100);
      expect(statSync(join(dest, 'top.txt')).mode & 0o100).toBe(0);
      const shared = statSync(join(dest, 'd3/e0/f3.txt')).ino === statSync(s.cache.objectPath(sha('file 3\n'))).ino;
      expect(shared).toBe(link === 'hardlink');
      if (link === 'copy') expect(statSync(join(dest, 'd3/e0/f3.txt')).mode & 0o200).toBe(0o200);
      // No temp file left beside any member.
      expect(Object.keys(readTree(dest)).filter((p) => p.includes('.tmp-'))).toEqual([]);
    });
  }

  it('a file where a directory is wanted, and a directory where a file is wanted, are replaced', async () => {
    const s = cacheSetup({ linkTypes: ['hardlink'] });
    writeTree(s.ws, { 'out/sub/a': 'a', 'out/sub/deep/b': 'b', 'out/f': 'f' });
    const info = await s.cache.save(join(s.ws, 'out'));
    const dest = join(s.ws, 'dest');
    writeTree(dest, { sub: 'a file in the way', 'f/inner': 'a dir in the way' });
    await s.cache.checkout(info.hash, dest);
    expect(readTree(dest)).toEqual({ 'sub/a': 'a', 'sub/deep/b': 'b', f: 'f' });
    expect(listDirs(dest)).toEqual(['sub', 'sub/deep']);
  });

  it('never writes through a symlinked directory inside the destination: it is replaced by a real one', async () => {
    const s = cacheSetup({ linkTypes: ['copy'] });
    writeTree(s.ws, { 'out/sub/a': 'a', 'out/sub/b': 'b' });
    const info = await s.cache.save(join(s.ws, 'out'));
    const outside = join(s.root, 'outside');
    mkdirSync(outside);
    const dest = join(s.ws, 'dest');
    mkdirSync(dest);
    symlinkSync(outside, join(dest, 'sub'));
    await s.cache.checkout(info.hash, dest);
    expect(readdirSync(outside)).toEqual([]);
    expect(lstatSync(join(dest, 'sub')).isDirectory()).toBe(true);
    expect(readTree(dest)).toEqual({ 'sub/a': 'a', 'sub/b': 'b' });
  });
});

describe('the stat cache after a checkout into an empty destination', () => {
  /** A saved tree of `n` files with aged objects, a fresh cache over the same stat cache, and `dest`. */
  async function checkedOut(link: 'hardlink' | 'copy', n = 30) {
    const s = cacheSetup({ linkTypes: [link] });
    const spec: Parameters<typeof writeTree>[1] = {};
    for (let i = 0; i < n; i++) spec[`d${i % 3}/f${i}.txt`] = `file ${i}\n`;
    writeTree(join(s.ws, 'out'), spec);
    const info = await s.cache.save(join(s.ws, 'out'));
    const reopen = () => openCache({ dir: s.cacheDir, linkTypes: [link], statCache: join(s.root, 'stat.json') });
    // Old objects: a link to one shares its mtime, so its entry is not racy.
    for (const h of [info.hash, ...Object.keys(spec).map((p) => sha(spec[p] as string))]) age(s.cache.objectPath(h));
    const dest = join(s.root, 'dest');
    const c = reopen();
    await c.checkout(info.hash, dest);
    await c.flush();
    return { ...s, info, dest, reopen };
  }

  it('hardlink: a status right after it reads nothing and agrees; an edit after it is seen, even with its mtime put back', async () => {
    const { info, dest, reopen } = await checkedOut('hardlink');
    let reads = hashCounters.files;
    expect((await reopen().hashPath(dest))?.hash).toBe(info.hash);
    expect(hashCounters.files - reads).toBe(0);

    // The same size, the old mtime restored by hand: only the ctime tells (and the inode's).
    const f = join(dest, 'd1/f4.txt');
    const before = statSync(f);
    chmodSync(f, 0o644);
    writeFileSync(f, 'FILE 4\n');
    chmodSync(f, before.mode & 0o777);
    utimesSync(f, before.atime, before.mtime);
    const c = reopen();
    reads = hashCounters.files;
    const now = await c.hashPath(dest);
    expect(now?.hash).not.toBe(info.hash);
    expect(hashCounters.files - reads).toBe(1);
    await c.flush();

    // A file replaced by a new one (a new inode) is seen too.
    rmSync(join(dest, 'd2/f5.txt'));
    writeFileSync(join(dest, 'd2/f5.txt'), 'file 5\n');
    reads = hashCounters.files;
    expect((await reopen().hashPath(dest))?.hash).toBe(now?.hash);
    expect(hashCounters.files - reads).toBe(1);
  });

  it('copy: fresh copies are racy, so the first status reads them once, the second nothing; an edit is seen', async () => {
    const { info, dest, reopen } = await checkedOut('copy', 12);
    const first = reopen();
    let reads = hashCounters.files;
    expect((await first.hashPath(dest))?.hash).toBe(info.hash);
    expect(hashCounters.files - reads).toBeLessThanOrEqual(12);
    await first.flush();
    ageTree(dest); // as if some time passed: the entries of the next status are not racy
    const second = reopen();
    await second.hashPath(dest);
    await second.flush();
    reads = hashCounters.files;
    expect((await reopen().hashPath(dest))?.hash).toBe(info.hash);
    expect(hashCounters.files - reads).toBe(0);
    writeFileSync(join(dest, 'd0/f3.txt'), 'FILE 3\n');
    expect((await reopen().hashPath(dest))?.hash).not.toBe(info.hash);
  });
});
