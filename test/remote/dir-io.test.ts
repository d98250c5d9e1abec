import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statfsSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { objectIo } from '../../src/cache/index.js';
import { makeBreather } from '../../src/remote/dir-sync.js';
import { openDirBackend } from '../../src/remote/dir.js';
import { dirIo, ioForFsType, type DirIo } from '../../src/remote/fs-kind.js';
import { fetchObjects, KnownSet, objectKey, pushObjects, readAll, type LocalObjects } from '../../src/remote/index.js';

/**
 * The directory remote's two ways of moving objects (src/remote/fs-kind.ts): synchronous calls on
 * a local file system, the thread pool elsewhere. Both keep the Backend contract and the transfer
 * loop's promises; the synchronous read path (`readSmall`) hands fetch bytes that are hashed
 * before anything enters the cache.
 */
let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'repro-dirio-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

let n = 0;
const fresh = (what: string): string => join(tmp, `${what}-${n++}`);
const sha = (b: string | Buffer): string => createHash('sha256').update(b).digest('hex');

/** A local cache (objectIo) holding `files` (content → exec), as fetch and push see it. */
async function cacheWith(files: Record<string, boolean> = {}): Promise<{ dir: string; local: LocalObjects }> {
  const dir = fresh('cache');
  const io = objectIo(dir);
  for (const [content, exec] of Object.entries(files)) {
    const t = io.tempPath();
    writeFileSync(t, content);
    await io.install(t, sha(content), Buffer.byteLength(content), exec, Date.now());
  }
  const local: LocalObjects = {
    stat: (h) => io.stat(h),
    lackCheck: () => io.lackCheck(),
    path: (h) => io.path(h),
    objectsDir: io.objectsDir,
    members: async (h) => io.members(h),
    verify: async () => 'good',
    tempPath: () => io.tempPath(),
    install: (t, h, size, exec, tRef) => io.install(t, h, size, exec, tRef),
    writeSmall: (h, data, exec) => io.writeSmall(h, data, exec),
  };
  return { dir, local };
}

describe('which way a directory remote moves objects', () => {
  it('is synchronous on local file systems and through the pool on network ones and unknown ones', () => {
    const local = { ext4: 0xef53, xfs: 0x58465342, btrfs: 0x9123683e, tmpfs: 0x01021994, overlay: 0x794c7630 };
    const network = { nfs: 0x6969, cifs: 0xff534d42, smb2: 0xfe534d42, fuse: 0x65735546, ceph: 0x00c36400, unknown: 0x12345678 };
    for (const [name, t] of Object.entries(local)) expect([name, ioForFsType(t)]).toEqual([name, 'sync']);
    for (const [name, t] of Object.entries(network)) expect([name, ioForFsType(t)]).toEqual([name, 'pool']);
    // A signed f_type (btrfs's high bit set) reads the same.
    expect(ioForFsType(0x9123683e | 0)).toBe('sync');
  });

  it('judges a directory that does not exist yet by its nearest existing ancestor; the environment overrides', () => {
    const want = ioForFsType(statfsSync(tmp).type);
    expect(dirIo(join(tmp, 'not', 'yet', 'there'), {})).toBe(want);
    expect(dirIo(tmp, { REPRO_DIR_REMOTE_IO: 'pool' })).toBe('pool');
    expect(dirIo(tmp, { REPRO_DIR_REMOTE_IO: 'sync' })).toBe('sync');
    expect(dirIo(tmp, { REPRO_DIR_REMOTE_IO: 'other' })).toBe(want);
  });

  it('offers the one-read fetch only where it moves objects synchronously', () => {
    expect(openDirBackend(fresh('r'), 'r', { io: 'sync' }).readSmall).toBeTypeOf('function');
    expect(openDirBackend(fresh('r'), 'r', { io: 'pool' }).readSmall).toBeUndefined();
  });
});

describe.each<DirIo>(['sync', 'pool'])('a directory remote moving objects the %s way', (io) => {
  it('stores objects atomically with the remote modes, lists, stats and reads them back', async () => {
    const root = fresh('remote');
    const b = openDirBackend(root, 'd', { io });
    const src = fresh('src');
    writeFileSync(src, 'hello');
    chmodSync(src, 0o644); // not the cache's mode: the copy must get 0o444 / 0o555 anyway
    await b.put('objects/aa/one', src, { size: 5, exec: false, mode: 0o644 });
    await b.put('objects/ab/two', src, { size: 5, exec: true, mode: 0o644 });
    expect(await b.stat('objects/aa/one')).toBe(5);
    expect(await b.stat('objects/aa/none')).toBeUndefined();
    const got = await b.get('objects/ab/two');
    expect((await readAll(got!.body, 100)).toString()).toBe('hello');
    const keys: string[] = [];
    for await (const page of b.list('objects/')) keys.push(...page.map((e) => `${e.key}:${e.size}`));
    expect(keys.sort()).toEqual(['objects/aa/one:5', 'objects/ab/two:5']);
    expect(statSync(join(root, 'objects', 'aa', 'one')).mode & 0o777).toBe(0o444);
    expect(statSync(join(root, 'objects', 'ab', 'two')).mode & 0o777).toBe(0o555);
    // No temp file is left beside the objects.
    expect(readdirSync(join(root, 'objects', 'aa'))).toEqual(['one']);
  });

  it('gives a copy its full mode under a umask that would take bits from it', async () => {
    const old = process.umask(0o077);
    try {
      const root = fresh('remote');
      const b = openDirBackend(root, 'd', { io });
      const src = fresh('src');
      writeFileSync(src, 'x');
      await b.put('objects/aa/x', src, { size: 1, exec: true, mode: 0o644 });
      expect(statSync(join(root, 'objects', 'aa', 'x')).mode & 0o777).toBe(0o555);
    } finally {
      process.umask(old);
    }
  });

  it('pushes a directory of files, then fetches it into an empty cache, every object hash-checked', async () => {
    const files: Record<string, boolean> = {};
    for (let i = 0; i < 40; i++) files[`file ${i}\n`] = i % 7 === 0;
    files['x'.repeat((1 << 20) + 7)] = false; // larger than the one-read limit: the stream path
    const from = await cacheWith(files);
    const b = openDirBackend(fresh('remote'), 'd', { io });
    const hashes = Object.keys(files).map(sha);
    const known = KnownSet.load(fresh('state'), 'u', 'e');
    const pushed = await pushObjects(b, from.local, hashes, known, { jobs: 4 });
    known.close();
    expect(pushed).toMatchObject({ uploaded: hashes.length, missingLocal: [], interrupted: false });
    const to = await cacheWith();
    const got = await fetchObjects(b, to.local, hashes, { jobs: 4 });
    expect(got).toMatchObject({ downloaded: hashes.length, corrupt: [], missing: [], interrupted: false });
    for (const [content, exec] of Object.entries(files)) {
      const st = to.local.stat(sha(content))!;
      expect(readFileSync(st.path, 'utf8') === content).toBe(true);
      expect(st.exec).toBe(exec);
    }
  });

  it('reports a corrupt or missing remote object by key and installs nothing for it', async () => {
    const root = fresh('remote');
    const b = openDirBackend(root, 'd', { io });
    const good = 'good\n';
    const bad = 'meant to be this\n';
    for (const [content, stored] of [
      [good, good],
      [bad, 'but it is this\n'],
    ]) {
      const key = objectKey(sha(content!));
      mkdirSync(join(root, ...key.split('/').slice(0, -1)), { recursive: true });
      writeFileSync(join(root, ...key.split('/')), stored!);
    }
    const missing = sha('nowhere');
    const to = await cacheWith();
    const res = await fetchObjects(b, to.local, [sha(good), sha(bad), missing], { jobs: 2 });
    expect(res.downloaded).toBe(1);
    expect(res.corrupt).toEqual([{ hash: sha(bad), key: objectKey(sha(bad)) }]);
    expect(res.missing).toEqual([missing]);
    expect(to.local.stat(sha(bad))).toBeUndefined();
    expect(to.local.stat(sha(good))).toBeDefined();
    // Nothing of the corrupt object was left in the cache's temp directory either.
    const tmpDir = join(to.dir, 'tmp');
    expect(existsSync(tmpDir) ? readdirSync(tmpDir) : []).toEqual([]);
  });
});

describe('the one-read fetch of a directory remote (readSmall)', () => {
  it('writes each fetched object beside its name with its final mode, leaving no temp file, and keeps a good one', async () => {
    const from = await cacheWith({ 'plain\n': false, 'run me\n': true });
    const root = fresh('remote');
    const b = openDirBackend(root, 'd', { io: 'sync' });
    const hashes = [sha('plain\n'), sha('run me\n')];
    const known = KnownSet.load(fresh('state'), 'u', 'e');
    expect((await pushObjects(b, from.local, hashes, known, { jobs: 2 })).uploaded).toBe(2);
    known.close();
    const to = await cacheWith({ 'plain\n': false });
    const res = await fetchObjects(b, to.local, hashes, { jobs: 2 });
    expect([res.downloaded, res.present]).toEqual([1, 1]);
    expect(statSync(to.local.path(hashes[0]!)).mode & 0o777).toBe(0o444);
    expect(statSync(to.local.path(hashes[1]!)).mode & 0o777).toBe(0o555);
    expect(readFileSync(to.local.path(hashes[1]!), 'utf8')).toBe('run me\n');
    // Every file under the cache is an object: no temp beside one, none in the temp directory.
    const files = execFileSync('find', [to.dir, '-type', 'f'], { encoding: 'utf8' }).trim().split('\n').sort();
    expect(files).toEqual(hashes.map((h) => to.local.path(h)).sort());
  });

  it('gives a fetched object its full mode under a umask that would take bits from it', async () => {
    const from = await cacheWith({ 'shared\n': true });
    const b = openDirBackend(fresh('remote'), 'd', { io: 'sync' });
    const h = sha('shared\n');
    const known = KnownSet.load(fresh('state'), 'u', 'e');
    await pushObjects(b, from.local, [h], known, { jobs: 1 });
    known.close();
    const old = process.umask(0o077);
    try {
      const to = await cacheWith();
      expect((await fetchObjects(b, to.local, [h], { jobs: 1 })).downloaded).toBe(1);
      expect(statSync(to.local.path(h)).mode & 0o777).toBe(0o555);
    } finally {
      process.umask(old);
    }
  });

  it('reads a small regular file with its exec bit; anything else is absent or large, and a FIFO does not block', async () => {
    const root = fresh('remote');
    const b = openDirBackend(root, 'd', { io: 'sync' });
    const dir = join(root, 'objects', 'aa');
    mkdirSync(join(dir, 'subdir'), { recursive: true });
    writeFileSync(join(dir, 'file'), 'abc', { mode: 0o555 });
    writeFileSync(join(dir, 'big'), Buffer.alloc(2000));
    symlinkSync(join(dir, 'file'), join(dir, 'link'));
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    const got = await b.readSmall!('objects/aa/file', 1000);
    expect(got).not.toBeTypeOf('string');
    expect(got).toMatchObject({ exec: true });
    expect((got as { data: Buffer }).data.toString()).toBe('abc');
    expect(await b.readSmall!('objects/aa/big', 1000)).toBe('large');
    for (const name of ['none', 'link', 'fifo', 'subdir', 'file/below'])
      expect([name, await b.readSmall!(`objects/aa/${name}`, 1000)]).toEqual([name, 'absent']);
  });

  it('lets the event loop run while synchronous work goes on, all callers pausing on one gate', async () => {
    const never = makeBreather(60_000);
    expect(never()).toBeUndefined();
    const always = makeBreather(0);
    let ran = false;
    setImmediate(() => (ran = true));
    const g = always();
    expect(g).toBeInstanceOf(Promise);
    expect(always()).toBe(g); // one gate while it is pending
    await g;
    expect(ran).toBe(true);
  });
});
