import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeManifest, manifestHash, objectIo } from '../../src/cache/index.js';
import { BULK_MIN } from '../../src/remote/dir-bulk.js';
import { DIRCOPY_PATH, dirCopyCounters } from '../../src/remote/dir-copy.js';
import { dirPoolThreads } from '../../src/remote/dir-pool.js';
import { openDirBackend } from '../../src/remote/dir.js';
import { fetchObjects, KnownSet, objectKey, pushObjects, type LocalObjects } from '../../src/remote/index.js';
import { BIN, git, repro } from '../helpers/repo.js';

/**
 * The directory remote's bulk path (dir-bulk.ts, dir-copy.ts, dir-pool.ts): a push's small
 * objects copied, and a fetch's read, hashed and written, by the native helper (repro-dircopy,
 * built by `npm test`'s build) or by worker threads (`REPRO_DIRCOPY=node`). Real files, real
 * helper, real workers; `bulkMin: 1` makes a few objects take the path the bench's thousands take.
 */
let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'repro-dirpool-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

let n = 0;
const fresh = (what: string): string => join(tmp, `${what}-${n++}`);
const sha = (b: string | Buffer): string => createHash('sha256').update(b).digest('hex');
const bulkRemote = (root = fresh('remote')) => ({ root, b: openDirBackend(root, 'd', { io: 'sync', bulkMin: 1, bulkFetch: true }) });

/** Every file under `dir` (relative path → mode), temp names included. */
function tree(dir: string, rel = ''): Record<string, number> {
  const out: Record<string, number> = {};
  if (!existsSync(dir)) return out;
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, d.name);
    if (d.isDirectory()) Object.assign(out, tree(p, `${rel}${d.name}/`));
    else out[rel + d.name] = lstatSync(p).mode & 0o777;
  }
  return out;
}

/** A local cache holding `files` and a bulk remote they were pushed to. */
async function pushed(files: [string | Buffer, boolean][]) {
  const from = await cacheWith(files);
  const { root, b } = bulkRemote();
  const known = KnownSet.load(fresh('state'), 'u', 'e');
  await pushObjects(b, from.local, [from.manifest], known, { jobs: 4 });
  known.close();
  return { from, root, b };
}

/** Temp files anywhere under `dir`. */
const temps = (dir: string): string[] => Object.keys(tree(dir)).filter((k) => k.includes('.tmp-'));

/** A local cache holding `files` (content → exec) and one manifest naming them all. */
async function cacheWith(files: [string | Buffer, boolean][]): Promise<{ dir: string; local: LocalObjects; manifest: string }> {
  const dir = fresh('cache');
  const io = objectIo(dir);
  const put = async (data: string | Buffer, hash: string, exec: boolean): Promise<void> => {
    const t = io.tempPath();
    writeFileSync(t, data);
    await io.install(t, hash, Buffer.byteLength(data), exec, Date.now());
  };
  for (const [data, exec] of files) await put(data, sha(data), exec);
  const entries = files
    .map(([data, exec], i) => ({
      path: `f${String(i).padStart(4, '0')}`,
      hash: sha(data),
      mode: exec ? 0o755 : 0o644,
      size: Buffer.byteLength(data),
    }))
    .sort((a, b) => (a.path < b.path ? -1 : 1));
  const text = encodeManifest(entries);
  const manifest = manifestHash(text);
  await put(text, manifest, false);
  return { dir, local: localOf(dir), manifest };
}

const localOf = (dir: string): LocalObjects => {
  const io = objectIo(dir);
  return {
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
};

/** 300 files of many sizes (empty, tiny, 64 KiB, one over the one-read limit), some executable, one content twice. */
const FILES: [string | Buffer, boolean][] = [
  ...Array.from({ length: 296 }, (_, i): [string, boolean] => [`file ${i}\n`.repeat(1 + (i % 13) * 50), i % 5 === 0]),
  ['', false],
  [Buffer.alloc(65536, 7), true],
  [Buffer.alloc((1 << 20) + 3, 1), false],
  ['file 0\n', true],
];

describe.each(['native', 'node'])('the directory remote in bulk (objects copied by %s code)', (how) => {
  let ran = 0;
  beforeAll(() => {
    process.env.REPRO_DIRCOPY = how;
    ran = dirCopyCounters.ran;
  });
  afterAll(() => {
    delete process.env.REPRO_DIRCOPY;
    // The helper did the pushes and fetches of the 'native' round (and none of the 'node' one).
    if (how === 'native') expect(dirCopyCounters.ran).toBeGreaterThan(ran);
    else expect(dirCopyCounters.ran).toBe(ran);
  });
  it('has the helper built (a C compiler is on every machine here)', () => {
    expect(existsSync(DIRCOPY_PATH)).toBe(true);
  });

  it('engages from its object count, with at least one thread, and REPRO_DIR_REMOTE_THREADS=0 turns it off', () => {
    expect(openDirBackend(fresh('r'), 'r', { io: 'sync' }).bulk!(BULK_MIN - 1)).toBeUndefined();
    expect(dirPoolThreads({ REPRO_DIR_REMOTE_THREADS: '0' })).toBe(0);
    expect(dirPoolThreads({ REPRO_DIR_REMOTE_THREADS: '3' })).toBe(3);
    expect(dirPoolThreads({})).toBeGreaterThanOrEqual(0);
    expect(dirPoolThreads({})).toBeLessThanOrEqual(4);
    // Never on a network file system: there the thread pool keeps requests in flight.
    expect(openDirBackend(fresh('r'), 'r', { io: 'pool', bulkMin: 1 }).bulk).toBeUndefined();
    if (dirPoolThreads({}) > 0) expect(openDirBackend(fresh('r'), 'r', { io: 'sync' }).bulk!(BULK_MIN)).toBeDefined();
  });

  it('pushes and fetches in bulk, round-tripping the exact bytes and modes', async () => {
    const from = await cacheWith(FILES);
    const { root, b } = bulkRemote();
    const known = KnownSet.load(fresh('state'), 'u', 'e');
    const pushed = await pushObjects(b, from.local, [from.manifest], known, { jobs: 4 });
    known.close();
    const distinct = new Set(FILES.map(([d]) => sha(d))).size;
    expect(pushed).toMatchObject({ uploaded: distinct + 1, missingLocal: [], heldBack: [], interrupted: false });
    const onRemote = tree(join(root, 'objects'));
    expect(Object.keys(onRemote).filter((k) => k.includes('.tmp-'))).toEqual([]);
    expect(Object.keys(onRemote)).toHaveLength(distinct + 1);
    for (const [data, exec] of FILES) {
      const key = objectKey(sha(data));
      expect(readFileSync(join(root, key)).equals(Buffer.from(data))).toBe(true);
      // The one content stored both ways is executable on the remote, as in the cache.
      const wantExec = exec || FILES.some(([d, x]) => x && sha(d) === sha(data));
      expect([key, onRemote[key.slice('objects/'.length)]]).toEqual([key, wantExec ? 0o555 : 0o444]);
    }

    const to = fresh('cache');
    const got = await fetchObjects(b, localOf(to), [from.manifest], { jobs: 4 });
    expect(got).toMatchObject({ downloaded: distinct + 1, corrupt: [], missing: [], interrupted: false });
    const io = objectIo(to);
    for (const [data] of FILES) {
      const st = io.stat(sha(data))!;
      expect(readFileSync(st.path).equals(Buffer.from(data))).toBe(true);
      // The cache's modes: executable when any file of that content in the manifest is.
      const wantExec = FILES.some(([d, x]) => x && sha(d) === sha(data));
      expect([st.path, st.mode]).toEqual([st.path, wantExec ? 0o555 : 0o444]);
    }
    expect(temps(to)).toEqual([]);
    // A second fetch finds everything there and copies nothing.
    const again = await fetchObjects(b, localOf(to), [from.manifest], { jobs: 4 });
    expect(again).toMatchObject({ downloaded: 0, present: distinct + 1, corrupt: [], missing: [] });
  });

  it('refuses a corrupt or truncated remote object by key, installs nothing of it, and reports a missing one', async () => {
    const { from, root, b } = await pushed(FILES.slice(0, 40));
    const [bad, short, gone] = [FILES[3]![0], FILES[4]![0], FILES[5]![0]].map((d) => sha(d));
    const overwrite = (h: string, data: string): void => {
      const p = join(root, objectKey(h));
      spawnSync('chmod', ['u+w', p]);
      writeFileSync(p, data);
    };
    overwrite(bad!, (FILES[3]![0] as string).replace('file', 'fire')); // the manifest's size, other bytes
    overwrite(short!, (FILES[4]![0] as string).slice(0, -1)); // one byte short: the manifest's size
    await rm(join(root, objectKey(gone!)));
    const to = fresh('cache');
    const res = await fetchObjects(b, localOf(to), [from.manifest], { jobs: 4 });
    expect(res.corrupt.sort((x, y) => (x.key < y.key ? -1 : 1))).toEqual(
      [bad!, short!].map((h) => ({ hash: h, key: objectKey(h) })).sort((x, y) => (x.key < y.key ? -1 : 1)),
    );
    expect(res.missing).toEqual([gone]);
    const io = objectIo(to);
    for (const h of [bad!, short!, gone!]) expect(io.stat(h)).toBeUndefined();
    expect(io.stat(sha(FILES[6]![0]))).toBeDefined();
    expect(temps(to)).toEqual([]);
  });

  it('keeps a good object the cache has, adds a missing exec bit, and replaces a bad one, never through the bulk rename', async () => {
    const files = FILES.slice(0, 60);
    const { from, b } = await pushed(files);
    const to = fresh('cache');
    const io = objectIo(to);
    const put = (name: string | Buffer, data: string | Buffer, mode: number): string => {
      const p = io.path(sha(name));
      mkdirSync(join(p, '..'), { recursive: true });
      writeFileSync(p, data, { mode });
      return p;
    };
    // FILES[0] is executable in the manifest; here it is a good object without the exec bit,
    // hard-linked from a workspace file. FILES[1]: too short. FILES[2]: good, plain.
    const lacking = put(files[0]![0], files[0]![0], 0o444);
    const linked = join(to, 'workspace-file');
    linkSync(lacking, linked);
    const short = put(files[1]![0], (files[1]![0] as string).slice(1), 0o444);
    const good = put(files[2]![0], files[2]![0], 0o444);
    const goodIno = lstatSync(good).ino;
    const res = await fetchObjects(b, localOf(to), [from.manifest], { jobs: 4 });
    expect(res).toMatchObject({ corrupt: [], missing: [], interrupted: false });
    // The same inode, now executable: the workspace's link still is the object.
    expect([lstatSync(lacking).ino, lstatSync(lacking).mode & 0o777]).toEqual([lstatSync(linked).ino, 0o555]);
    expect(lstatSync(good).ino).toBe(goodIno);
    expect(readFileSync(short).equals(Buffer.from(files[1]![0]))).toBe(true);
    expect(readdirSync(join(to, 'bad'))).toHaveLength(1); // the short one, moved aside
    for (const [data] of files) expect(readFileSync(io.path(sha(data))).equals(Buffer.from(data))).toBe(true);
    expect(temps(to)).toEqual([]);
  });

  it('fails a fetch whose fan-out directory is taken by a file with EEXIST, as mkdir -p does', async () => {
    const { from, b } = await pushed(FILES.slice(0, 40));
    const to = fresh('cache');
    const fan = join(objectIo(to).path(sha(FILES[20]![0])), '..');
    mkdirSync(join(fan, '..'), { recursive: true });
    writeFileSync(fan, 'not a directory');
    await expect(fetchObjects(b, localOf(to), [from.manifest], { jobs: 4 })).rejects.toMatchObject({ code: 'EEXIST', syscall: 'mkdir' });
    expect(temps(to)).toEqual([]);
  });

  it('stops a fetch when asked, with every object it kept whole, and the next fetch completes', async () => {
    const many: [string, boolean][] = Array.from({ length: 3000 }, (_, i) => [`object ${i}\n`.repeat(1 + (i % 7)), false]);
    const { from, b } = await pushed(many);
    const to = fresh('cache');
    const stop = new AbortController();
    const res = await fetchObjects(b, localOf(to), [from.manifest], {
      jobs: 4,
      signal: stop.signal,
      onProgress: (p) => p.done === 2 && stop.abort(),
    });
    expect(res.interrupted).toBe(true);
    expect(res.downloaded).toBeLessThan(many.length);
    expect(temps(to)).toEqual([]);
    const io = objectIo(to);
    for (const [data] of many) {
      const st = io.stat(sha(data));
      if (st) expect(readFileSync(st.path).equals(Buffer.from(data))).toBe(true);
    }
    const rest = await fetchObjects(b, localOf(to), [from.manifest], { jobs: 4 });
    expect(rest).toMatchObject({ interrupted: false, corrupt: [], missing: [] });
    expect(rest.downloaded + rest.present).toBe(many.length + 1);
    for (const [data] of many) expect(readFileSync(io.path(sha(data))).equals(Buffer.from(data))).toBe(true);
  });

  it('reports a member gone from the local cache or not of its size as missing, holds the manifest back, and sweeps stale temps only', async () => {
    const from = await cacheWith(FILES.slice(0, 60));
    const [gone, short, third] = [7, 8, 9].map((i) => sha(FILES[i]![0]));
    const io = objectIo(from.dir);
    await rm(io.path(gone!));
    chmodSync(io.path(short!), 0o644);
    writeFileSync(io.path(short!), (FILES[8]![0] as string).slice(1)); // one byte short of its manifest size
    const { root, b } = bulkRemote();
    // What a push killed between write and rename leaves beside an object: one from 2 h ago, one live.
    const fan = join(root, objectKey(third!), '..');
    mkdirSync(fan, { recursive: true });
    const stale = join(fan, `.${third!.slice(2)}.tmp-99999-abcd12340`);
    const live = join(fan, `.${third!.slice(2)}.tmp-99998-abcd12341`);
    writeFileSync(stale, 'half');
    writeFileSync(live, 'half');
    const old = new Date(Date.now() - 2 * 3600_000);
    utimesSync(stale, old, old);
    const known = KnownSet.load(fresh('state'), 'u', 'e');
    const res = await pushObjects(b, from.local, [from.manifest], known, { jobs: 4 });
    known.close();
    expect(res.missingLocal.sort()).toEqual([gone, short].sort());
    expect(res.heldBack).toEqual([from.manifest]);
    const distinct = new Set(FILES.slice(0, 60).map(([d]) => sha(d)));
    expect(res.uploaded).toBe(distinct.size - 2);
    expect(existsSync(join(root, objectKey(gone!)))).toBe(false);
    expect(existsSync(join(root, objectKey(short!)))).toBe(false);
    expect(existsSync(join(root, objectKey(from.manifest)))).toBe(false);
    expect(readFileSync(join(root, objectKey(third!))).equals(Buffer.from(FILES[9]![0]))).toBe(true);
    expect([existsSync(stale), existsSync(live)]).toEqual([false, true]);
  });

  it('reports a failure part-way, leaves no partial object or temp under any name, and the next push completes', async () => {
    const from = await cacheWith(FILES.slice(0, 200));
    const { root, b } = bulkRemote();
    // One object's name is taken by a directory with something in it: its rename fails in the worker.
    const victim = objectKey(sha(FILES[100]![0]));
    mkdirSync(join(root, victim, 'x'), { recursive: true });
    const known = KnownSet.load(fresh('state'), 'u', 'e');
    await expect(pushObjects(b, from.local, [from.manifest], known, { jobs: 4 })).rejects.toMatchObject({
      code: expect.stringMatching(/EISDIR|ENOTEMPTY|EEXIST/),
    });
    known.close();
    const after = tree(join(root, 'objects'));
    expect(Object.keys(after).filter((k) => k.includes('.tmp-'))).toEqual([]);
    // The manifest did not go up; every object that did is whole.
    expect(existsSync(join(root, objectKey(from.manifest)))).toBe(false);
    for (const [data] of FILES.slice(0, 200)) {
      const p = join(root, objectKey(sha(data)));
      if (p !== join(root, victim) && existsSync(p)) expect(readFileSync(p).equals(Buffer.from(data))).toBe(true);
    }
    await rm(join(root, victim), { recursive: true });
    const again = KnownSet.load(fresh('state'), 'u', 'e');
    const res = await pushObjects(bulkRemote(root).b, from.local, [from.manifest], again, { jobs: 4 });
    again.close();
    expect(res).toMatchObject({ heldBack: [], interrupted: false });
    expect(existsSync(join(root, objectKey(from.manifest)))).toBe(true);
  });
});

describe.each(['libcrypto', 'portable'])("the helper's fetch with the %s sha256", (impl) => {
  beforeAll(() => {
    // =libcrypto: the helper refuses to run without it (the round would then fail: no helper run).
    process.env.REPRO_DIRCOPY_SHA = impl;
  });
  afterAll(() => {
    delete process.env.REPRO_DIRCOPY_SHA;
  });
  it('accepts exactly the objects whose bytes hash to their names, at every padding boundary', async () => {
    const sizes = [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 4096, 100_003, 1 << 20];
    const files: [Buffer, boolean][] = sizes.map((n, i) => [Buffer.from(Array.from({ length: n }, (_, k) => (k * 31 + i) & 255)), false]);
    const { from, root, b } = await pushed(files);
    // The last byte of the 65-byte object flipped: the same size, another hash.
    const p = join(root, objectKey(sha(files[7]![0])));
    spawnSync('chmod', ['u+w', p]);
    const flipped = Buffer.from(files[7]![0]);
    flipped[64] = flipped[64]! ^ 1;
    writeFileSync(p, flipped);
    const ran = dirCopyCounters.ran;
    const to = fresh('cache');
    const res = await fetchObjects(b, localOf(to), [from.manifest], { jobs: 4 });
    expect(dirCopyCounters.ran).toBe(ran + 1);
    expect(res).toMatchObject({ downloaded: sizes.length, corrupt: [{ hash: sha(files[7]![0]) }], missing: [] });
    for (const [data] of files) {
      const st = objectIo(to).stat(sha(data));
      if (data === files[7]![0]) expect(st).toBeUndefined();
      else expect(readFileSync(st!.path).equals(data)).toBe(true);
    }
  });
});

describe('a push under the bulk threshold (each source looked at first)', () => {
  it('reports a member gone from the local cache as missing and holds the manifest back', async () => {
    const from = await cacheWith(FILES.slice(0, 20));
    const gone = sha(FILES[3]![0]);
    await rm(objectIo(from.dir).path(gone));
    const root = fresh('remote');
    const b = openDirBackend(root, 'd', { io: 'sync', bulkMin: 1e9 });
    const known = KnownSet.load(fresh('state'), 'u', 'e');
    const res = await pushObjects(b, from.local, [from.manifest], known, { jobs: 4 });
    known.close();
    expect(res).toMatchObject({
      missingLocal: [gone],
      heldBack: [from.manifest],
      uploaded: new Set(FILES.slice(0, 20).map(([d]) => sha(d))).size - 1,
    });
    expect(res.total).toBe(res.uploaded + 1); // the manifest and what was pushed; the missing one is not counted
    expect(existsSync(join(root, objectKey(from.manifest)))).toBe(false);
  });

  it.each([
    ['looked at when it goes (a bulk backend under its threshold)', { io: 'sync', bulkMin: 1e9 }],
    ['looked at up front (no bulk: the pool path)', { io: 'pool' }],
  ] as const)('never pushes a member shorter than its manifest says, %s', async (_, how) => {
    const from = await cacheWith(FILES.slice(0, 20));
    const short = sha(FILES[5]![0]);
    const file = objectIo(from.dir).path(short);
    chmodSync(file, 0o644);
    writeFileSync(file, 'x'); // a truncated cache file
    const root = fresh('remote');
    const b = openDirBackend(root, 'd', how);
    const known = KnownSet.load(fresh('state'), 'u', 'e');
    const res = await pushObjects(b, from.local, [from.manifest], known, { jobs: 4 });
    known.close();
    expect(res).toMatchObject({ missingLocal: [short], heldBack: [from.manifest] });
    expect(existsSync(join(root, objectKey(short)))).toBe(false);
    expect(existsSync(join(root, objectKey(from.manifest)))).toBe(false);
  });
});

describe('a push through the helper under a file-size limit (the CLI)', () => {
  it('fails with the error (EFBIG), keeps no truncated object under its name, and a re-run completes', async () => {
    const d = fresh('ws');
    mkdirSync(join(d, 'src'), { recursive: true });
    // More files than BULK_MIN, so the workers take them; a few over the 8 KiB limit below.
    for (let i = 0; i < BULK_MIN + 50; i++)
      writeFileSync(join(d, 'src', `f${i}`), i % 97 === 0 ? Buffer.alloc(20000, i % 256) : `small ${i}\n`);
    writeFileSync(join(d, 'repro.yaml'), 'stages:\n  hold:\n    cmd: rm -rf out && cp -r src out\n    deps: [src/]\n    outs: [out/]\n');
    writeFileSync(join(d, '.gitignore'), '.repro/\nsrc/\n');
    git(d, 'init', '-q');
    expect((await repro(d, 'run', '--no-record')).code).toBe(0);
    const store = fresh('store');
    expect((await repro(d, 'remote', 'add', '-d', 'team', store)).code).toBe(0);
    // The CLI under an 8 KiB file-size limit: fails with the error.
    const limitedRun = (cmd: string): void => {
      const r = spawnSync('sh', ['-c', 'trap "" XFSZ; ulimit -f 8; exec "$0" "$@"', process.execPath, BIN, cmd, '--no-runs'], {
        cwd: d,
        encoding: 'utf8',
      });
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/EFBIG|too large/i);
    };
    limitedRun('push');
    const onRemote = tree(join(store, 'objects'));
    expect(Object.keys(onRemote).filter((k) => k.includes('.tmp-'))).toEqual([]);
    for (const k of Object.keys(onRemote)) {
      const data = readFileSync(join(store, 'objects', k));
      expect([k, sha(data)]).toEqual([k, k.replace('/', '').replace(/\.dir$/, '')]);
    }
    const again = spawnSync(process.execPath, [BIN, 'push', '--no-runs'], { cwd: d, encoding: 'utf8' });
    expect(again.status).toBe(0);
    const complete = Object.keys(tree(join(store, 'objects')));
    expect(complete.filter((k) => k.includes('.tmp-'))).toEqual([]);
    expect(complete).toHaveLength(BULK_MIN + 50 + 1);
    // And back: an empty cache fetched through the helper holds the same objects, byte for byte;
    // under the same limit it fails with the error, and keeps no truncated object or temp file.
    const cache = join(d, '.repro', 'cache');
    const hashes = (): Record<string, string> =>
      Object.fromEntries(Object.keys(tree(join(cache, 'objects'))).map((k) => [k, sha(readFileSync(join(cache, 'objects', k)))]));
    const before = hashes();
    await rm(cache, { recursive: true });
    limitedRun('fetch');
    const partial = tree(join(cache, 'objects'));
    expect(Object.keys(partial).filter((k) => k.includes('.tmp-'))).toEqual([]);
    for (const k of Object.keys(partial)) expect([k, sha(readFileSync(join(cache, 'objects', k)))]).toEqual([k, before[k]]);
    const down = spawnSync(process.execPath, [BIN, 'fetch', '--no-runs'], { cwd: d, encoding: 'utf8' });
    expect(down.status).toBe(0);
    expect(hashes()).toEqual(before);
  }, 120_000);
});
