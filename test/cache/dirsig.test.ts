import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCache } from '../../src/cache/index.js';
import { hashCounters } from '../../src/cache/hash.js';
import { cacheSetup } from '../helpers/cache.js';
import { age, ageTree, tempDir, writeTree } from '../helpers/tree.js';

/**
 * Directory signatures (src/cache/dirsig.ts): an unchanged directory keeps its manifest hash
 * without re-encoding it, and any change a stat can show still reaches the manifest. Every answer
 * is checked against a cache with no stat cache at all (the ground truth: every file read).
 */

const truth = async (dir: string) => openCache({ dir: join(tempDir(), 'c') }).hashPath(dir);

/** A fresh process's view: the stat cache (with its signatures) as flushed to disk. */
function reopen(root: string) {
  return openCache({ dir: join(root, 'cache'), statCache: join(root, 'stat.json') });
}

const sigs = (root: string): Record<string, string> => JSON.parse(readFileSync(join(root, 'stat.json.dirs'), 'utf8')).s;

async function settled(spec: Record<string, string>) {
  const { root, ws, cache } = cacheSetup();
  writeTree(ws, spec);
  ageTree(ws);
  const first = await cache.hashPath(ws);
  await cache.flush();
  return { root, ws, first };
}

// Both ways of checking a signature: through repro-statwalk (native/statwalk.c), and in Node.
describe.each(['native', 'node'])('directory signatures (check walk: %s)', (how) => {
  beforeAll(() => {
    process.env.REPRO_STATWALK = how; // 'native': even for these small directories
  });
  afterAll(() => {
    delete process.env.REPRO_STATWALK;
  });

  it('an unchanged directory is answered from its signature, reading no file', async () => {
    const { root, ws, first } = await settled({ 'a/b/c': 'c', 'a/d': 'd', e: 'e' });
    expect(Object.keys(sigs(root))).toEqual([ws]);
    const before = hashCounters.files;
    expect(await reopen(root).hashPath(ws)).toEqual(first);
    expect(hashCounters.files - before).toBe(0);
    expect(first).toEqual(await truth(ws));
  });

  it('catches a file changed deep down at the same size with its mtime put back', async () => {
    const { root, ws, first } = await settled({ 'x/y/z/deep': 'aaaa', 'x/other': 'o', top: 't' });
    const f = join(ws, 'x/y/z/deep');
    const { atime, mtime, ctimeMs } = statSync(f);
    // Same size, same mtime: only the ctime tells. The kernel stamps ctime from a coarse clock
    // (a 4-10 ms tick), so a fast machine can land in the recorded tick: rewrite until it moved.
    do {
      writeFileSync(f, 'bbbb');
      utimesSync(f, atime, mtime);
    } while (Math.floor(statSync(f).ctimeMs) === Math.floor(ctimeMs));
    const now = await reopen(root).hashPath(ws);
    expect(now).not.toEqual(first);
    expect(now).toEqual(await truth(ws));
  });

  it('records no signature over a racily clean file, so a same-second rewrite is still seen', async () => {
    const { root, ws, cache } = cacheSetup();
    writeTree(ws, { old: 'o', 'd/fresh': 'v1' });
    ageTree(ws);
    const f = join(ws, 'd/fresh');
    writeFileSync(f, 'v1'); // just written: racy, so not trusted by the stat cache
    const first = await cache.hashPath(ws);
    await cache.flush();
    expect(existsSync(join(root, 'stat.json.dirs'))).toBe(false); // nothing recorded
    const { atime, mtime } = statSync(f);
    writeFileSync(f, 'v2');
    utimesSync(f, atime, mtime);
    const now = await reopen(root).hashPath(ws);
    expect(now).not.toEqual(first);
    expect(now).toEqual(await truth(ws));
  });

  it('a file replaced by a directory changes the manifest', async () => {
    const { root, ws, first } = await settled({ 'a/x': 'x', b: 'b' });
    rmSync(join(ws, 'a/x'));
    mkdirSync(join(ws, 'a/x'));
    writeFileSync(join(ws, 'a/x/x'), 'x');
    age(join(ws, 'a/x/x'));
    const now = await reopen(root).hashPath(ws);
    expect(now).not.toEqual(first);
    expect(now).toEqual(await truth(ws));
  });

  it('an exec bit changes the manifest; a new empty directory does not (manifests do not record it)', async () => {
    const { root, ws, first } = await settled({ 'a/run': '#!/bin/sh\n', b: 'b' });
    mkdirSync(join(ws, 'a/empty'));
    expect(await reopen(root).hashPath(ws)).toEqual(first);
    chmodSync(join(ws, 'a/run'), 0o755);
    const now = await reopen(root).hashPath(ws);
    expect(now).not.toEqual(first);
    expect(now).toEqual(await truth(ws));
  });

  it('a file added, removed or renamed changes the manifest', async () => {
    const { root, ws, first } = await settled({ 'a/1': '1', 'a/2': '2' });
    writeFileSync(join(ws, 'a/3'), '3');
    age(join(ws, 'a/3'));
    const added = await reopen(root).hashPath(ws);
    expect(added).toEqual(await truth(ws));
    expect(added).not.toEqual(first);
    rmSync(join(ws, 'a/3'));
    expect(await reopen(root).hashPath(ws)).toEqual(first);
    renameSync(join(ws, 'a/2'), join(ws, 'a/4'));
    const renamed = await reopen(root).hashPath(ws);
    expect(renamed).toEqual(await truth(ws));
    expect(renamed).not.toEqual(first);
  });

  it('a corrupt signature record costs a walk, never a wrong answer', async () => {
    const { root, ws, first } = await settled({ a: 'a', b: 'b' });
    const file = join(root, 'stat.json.dirs');
    const disk = JSON.parse(readFileSync(file, 'utf8'));
    disk.s[ws] = 'junk';
    writeFileSync(file, JSON.stringify(disk));
    expect(await reopen(root).hashPath(ws)).toEqual(first);
  });
});
