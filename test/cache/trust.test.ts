import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ObjectError, openCache, type Cache } from '../../src/cache/index.js';
import { hashCounters } from '../../src/cache/hash.js';
import { isReproError } from '../../src/core/errors.js';
import { cacheSetup } from '../helpers/cache.js';
import { age, readTree, sha, tempDir, writeTree } from '../helpers/tree.js';

// Corrupt objects are never served: checkout verifies, a save replaces, bad ones go to bad/.
// Each "later command" opens the cache afresh, as a new process would.

type Corruption = 'flipped byte' | 'truncated' | 'same-size garbage';
const CORRUPTIONS: Corruption[] = ['flipped byte', 'truncated', 'same-size garbage'];

/** Damage an object file in place (as root, or after chmod: objects are read-only). */
function corrupt(path: string, how: Corruption): void {
  const data = readFileSync(path);
  chmodSync(path, 0o644);
  if (how === 'truncated') truncateSync(path, Math.max(0, data.length - 3));
  else if (how === 'flipped byte') {
    data[Math.floor(data.length / 2)]! ^= 0x01;
    writeFileSync(path, data);
  } else writeFileSync(path, Buffer.alloc(data.length, 0x78));
  chmodSync(path, 0o444);
}

function reopen(s: { cacheDir: string; root: string }, opts: { linkTypes?: ('copy' | 'hardlink' | 'symlink' | 'reflink')[] } = {}): Cache {
  return openCache({ dir: s.cacheDir, statCache: join(s.root, 'stat.json'), verifiedCache: join(s.root, 'verified.json'), ...opts });
}

function badFiles(cacheDir: string): string[] {
  const dir = join(cacheDir, 'bad');
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

describe('corrupt objects', () => {
  for (const how of CORRUPTIONS) {
    it(`checkout of a file refuses a ${how} object, moves it aside, and leaves the destination alone`, async () => {
      const s = cacheSetup();
      writeFileSync(join(s.ws, 'f'), 'the real content\n');
      const info = await s.cache.save(join(s.ws, 'f'));
      corrupt(s.cache.objectPath(info.hash), how);
      writeFileSync(join(s.ws, 'f'), 'something else\n');

      const cache = reopen(s);
      const e = await cache.checkout(info.hash, join(s.ws, 'f')).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(ObjectError);
      expect(isReproError(e, 'E_CACHE')).toBe(true);
      expect((e as ObjectError).problem).toBe('corrupt');
      expect((e as ObjectError).message).toContain(info.hash);
      expect(readFileSync(join(s.ws, 'f'), 'utf8')).toBe('something else\n');
      expect(badFiles(s.cacheDir)).toEqual([expect.stringMatching(new RegExp(`^${info.hash}\\.`))]);
      expect(existsSync(cache.objectPath(info.hash))).toBe(false);

      // Saving the content again writes a good object; checkout then works.
      writeFileSync(join(s.ws, 'f'), 'the real content\n');
      expect((await cache.save(join(s.ws, 'f'))).hash).toBe(info.hash);
      writeFileSync(join(s.ws, 'f'), 'edited\n');
      await cache.checkout(info.hash, join(s.ws, 'f'));
      expect(readFileSync(join(s.ws, 'f'), 'utf8')).toBe('the real content\n');
    });

    it(`a save replaces a ${how} object it would otherwise have kept`, async () => {
      const s = cacheSetup();
      writeFileSync(join(s.ws, 'f'), 'twelve bytes');
      age(join(s.ws, 'f')); // the stat cache will say "known content": only the object is in doubt
      const info = await s.cache.save(join(s.ws, 'f'));
      await s.cache.flush();
      corrupt(s.cache.objectPath(info.hash), how);

      const cache = reopen(s);
      await cache.save(join(s.ws, 'f'));
      expect(readFileSync(cache.objectPath(info.hash), 'utf8')).toBe('twelve bytes');
      expect(await reopen(s).verify(info.hash)).toEqual({ missing: [], corrupt: [] });
    });
  }

  it('a directory with a bad member: nothing is touched, every bad member is reported and moved aside', async () => {
    const s = cacheSetup();
    const out = join(s.ws, 'out');
    writeTree(out, { a: 'aaaa', b: 'bbbb', c: 'cccc' });
    const info = await s.cache.save(out);
    corrupt(s.cache.objectPath(sha('aaaa')), 'flipped byte');
    corrupt(s.cache.objectPath(sha('cccc')), 'same-size garbage');
    writeTree(out, { a: 'edited', extra: 'x' });

    const cache = reopen(s);
    const e = (await cache.checkout(info.hash, out).catch((x: unknown) => x)) as ObjectError;
    expect(e).toBeInstanceOf(ObjectError);
    expect(e.objects.map((o) => o.hash).sort()).toEqual([sha('aaaa'), sha('cccc')].sort());
    expect(readTree(out)).toEqual({ a: 'edited', b: 'bbbb', c: 'cccc', extra: 'x' });
    expect(badFiles(s.cacheDir)).toHaveLength(2);
    expect((await cache.check(info.hash)).missing.sort()).toEqual([sha('aaaa'), sha('cccc')].sort());
  });

  it('a same-size garbage manifest is reported corrupt (not missing), and the next save rewrites it', async () => {
    const s = cacheSetup();
    const out = join(s.ws, 'out');
    writeTree(out, { a: 'aaaa', 'sub/b': 'bbbb' });
    const info = await s.cache.save(out);
    corrupt(s.cache.objectPath(info.hash), 'same-size garbage');

    const cache = reopen(s);
    const r = await cache.check(info.hash, { quarantine: false });
    expect(r).toMatchObject({ ok: false, missing: [], corrupt: [{ hash: info.hash, movedTo: null }] });
    const e = (await cache.checkout(info.hash, join(s.ws, 'copy')).catch((x: unknown) => x)) as ObjectError;
    expect(e.problem).toBe('corrupt');
    expect(e.objects[0]!.movedTo).toContain(join(s.cacheDir, 'bad'));
    expect(existsSync(join(s.ws, 'copy'))).toBe(false);

    expect((await cache.save(out)).hash).toBe(info.hash);
    await reopen(s).checkout(info.hash, join(s.ws, 'copy'));
    expect(readTree(join(s.ws, 'copy'))).toEqual({ a: 'aaaa', 'sub/b': 'bbbb' });
  });

  it('a hostile manifest that hashes to its name but is not one is refused', async () => {
    const s = cacheSetup();
    const text = '[{"hash":"' + sha('x') + '","mode":420,"path":"../escape","size":1}]';
    const hash = sha(text) + '.dir';
    const p = s.cache.objectPath(hash);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, text);
    const e = (await s.cache.checkout(hash, join(s.ws, 'd')).catch((x: unknown) => x)) as ObjectError;
    expect(e).toBeInstanceOf(ObjectError);
    expect(e.problem).toBe('corrupt');
    expect(existsSync(join(s.root, 'escape'))).toBe(false);
  });
});

describe('verified objects', () => {
  it('an object is hashed on first use only; a changed object is hashed again and caught', async () => {
    const s = cacheSetup();
    writeTree(s.ws, { 'out/a': 'aaaa', 'out/b': 'bbbb' });
    const info = await s.cache.save(join(s.ws, 'out'));
    // Objects older than the racy margin, so a verification may be remembered on disk.
    for (const h of [info.hash, sha('aaaa'), sha('bbbb')]) age(s.cache.objectPath(h));

    const first = reopen(s);
    expect((await first.check(info.hash)).ok).toBe(true);
    await first.flush();
    const reads = hashCounters.files;
    const second = reopen(s);
    await second.checkout(info.hash, join(s.ws, 'copy'));
    expect(hashCounters.files - reads).toBe(0);

    corrupt(s.cache.objectPath(sha('bbbb')), 'flipped byte'); // changes the object's stat
    const third = reopen(s);
    const r = await third.check(info.hash);
    expect(r.corrupt.map((b) => b.hash)).toEqual([sha('bbbb')]);
  });

  it('verifyObject and quarantine: the pieces a remote reuses', async () => {
    const s = cacheSetup();
    writeFileSync(join(s.ws, 'f'), 'content');
    const { hash } = await s.cache.save(join(s.ws, 'f'));
    expect(await s.cache.verifyObject(hash)).toBe('good');
    expect(await s.cache.verifyObject(sha('absent'))).toBe('missing');
    corrupt(s.cache.objectPath(hash), 'truncated');
    expect(await reopen(s).verifyObject(hash)).toBe('corrupt');
    const moved = s.cache.quarantine(hash);
    expect(moved).toContain(join(s.cacheDir, 'bad'));
    expect(s.cache.quarantine(hash)).toBeNull();
    expect(await s.cache.verifyObject(hash)).toBe('missing');
  });
});

describe('unsaved', () => {
  it('names the files whose content the cache does not hold', async () => {
    const s = cacheSetup();
    writeTree(s.ws, { 'out/a': 'aaaa', 'out/b': 'bbbb', f: 'file' });
    await s.cache.save(join(s.ws, 'out'));
    await s.cache.save(join(s.ws, 'f'));
    expect(await s.cache.unsaved(join(s.ws, 'out'))).toEqual([]);
    writeTree(s.ws, { 'out/b': 'edited', 'out/new/c': 'new', f: 'edited file' });
    expect(await s.cache.unsaved(join(s.ws, 'out'))).toEqual(['b', 'new/c']);
    expect(await s.cache.unsaved(join(s.ws, 'f'))).toEqual(['']);
    expect(await s.cache.unsaved(join(s.ws, 'absent'))).toEqual([]);
  });
});

describe('workspace root and shared stores', () => {
  it('refuses to save a single-file symlink leading out of the workspace; follows one inside it', async () => {
    const root = tempDir();
    const ws = join(root, 'ws');
    mkdirSync(ws);
    writeFileSync(join(root, 'outside.txt'), 'secret');
    writeFileSync(join(ws, 'inside.txt'), 'inside');
    symlinkSync(join(root, 'outside.txt'), join(ws, 'out-link'));
    symlinkSync('inside.txt', join(ws, 'in-link'));
    const cache = openCache({ dir: join(ws, '.cache'), root: ws });
    const e = await cache.save(join(ws, 'out-link')).catch((x: unknown) => x);
    expect(isReproError(e, 'E_PATH_ESCAPE')).toBe(true);
    expect(existsSync(cache.objectPath(sha('secret')))).toBe(false);
    expect((await cache.save(join(ws, 'in-link'))).hash).toBe(sha('inside'));
  });

  it('a shared store makes its directories group-writable and setgid, whatever the umask', async () => {
    const root = tempDir();
    const dir = join(root, 'shared', 'cache');
    const cache = openCache({ dir, shared: true });
    writeFileSync(join(root, 'f'), 'x');
    const old = process.umask(0o022);
    try {
      const { hash } = await cache.save(join(root, 'f'));
      for (const d of [join(root, 'shared'), dir, join(dir, 'objects'), join(cache.objectPath(hash), '..')]) {
        expect((statSync(d).mode & 0o7777).toString(8)).toBe('2775');
      }
      expect(statSync(cache.objectPath(hash)).mode & 0o777).toBe(0o444);
    } finally {
      process.umask(old);
    }
  });
});
