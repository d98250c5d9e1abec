import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cacheSetup } from '../helpers/cache.js';
import { sha, writeTree } from '../helpers/tree.js';

/** A pid that is not running (pid_max is at most 2^22 on Linux). */
const DEAD_PID = 4_194_305;

describe('gc', () => {
  it('keeps what is reachable (a kept dir keeps its members) and removes the rest', async () => {
    const { ws, cacheDir, cache } = cacheSetup();
    writeTree(ws, { keep: 'kept file', drop: 'dropped!', 'dir/m1': 'member one', 'dir/m2': 'shared', 'old/o': 'old', 'old/s': 'shared' });
    const keep = await cache.save(join(ws, 'keep'));
    const drop = await cache.save(join(ws, 'drop'));
    const dir = await cache.save(join(ws, 'dir'));
    const old = await cache.save(join(ws, 'old'));

    const dry = await cache.gc([keep.hash, dir.hash], { dry: true });
    expect(dry.removed).toEqual([drop.hash, old.hash, sha('old')].sort());
    expect(dry.bytes).toBe(8 + 3 + statSync(cache.objectPath(old.hash)).size);
    expect(await cache.has(old.hash)).toBe(true); // dry run removed nothing

    const real = await cache.gc([keep.hash, dir.hash]);
    expect(real).toEqual(dry);
    expect(await cache.has(keep.hash)).toBe(true);
    expect(await cache.has(dir.hash)).toBe(true);
    expect(await cache.has(drop.hash)).toBe(false);
    expect(await cache.has(old.hash)).toBe(false);
    expect(await cache.has(sha('shared'))).toBe(true);

    const all = await cache.gc([]);
    expect(all.removed).toEqual([keep.hash, dir.hash, sha('member one'), sha('shared')].sort());
    expect(readdirSync(join(cacheDir, 'objects'))).toEqual([]); // empty prefix dirs removed
    // The store still works after gc removed directories it had created.
    expect(await cache.save(join(ws, 'dir'))).toEqual(dir);
    expect(await cache.has(dir.hash)).toBe(true);
  });

  it('ignores keep entries that are not objects and manifests that are gone', async () => {
    const { ws, cache } = cacheSetup();
    writeTree(ws, { f: 'f' });
    const f = await cache.save(join(ws, 'f'));
    const res = await cache.gc(['', 'nonsense', sha('missing') + '.dir', f.hash]);
    expect(res).toEqual({ removed: [], bytes: 0 });
  });

  it('sweeps temp files of dead processes, keeps live ones and foreign names', async () => {
    const { cacheDir, cache } = cacheSetup();
    const pre = join(cacheDir, 'objects', 'ab');
    mkdirSync(pre, { recursive: true });
    mkdirSync(join(cacheDir, 'tmp'), { recursive: true });
    const dead = join(pre, `.cdef.tmp-${DEAD_PID}-0a1b2c3d`);
    const deadTmp = join(cacheDir, 'tmp', `.obj.tmp-${DEAD_PID}-00ff00ff`);
    const live = join(pre, `.cdef.tmp-${process.pid}-0a1b2c3d`);
    const foreign = join(pre, 'README');
    for (const p of [dead, deadTmp, live, foreign]) writeFileSync(p, '12345');
    const res = await cache.gc([]);
    expect(res).toEqual({ removed: [], bytes: 10 });
    expect([dead, deadTmp, live, foreign].map((p) => existsSync(p))).toEqual([false, false, true, true]);
  });
});
