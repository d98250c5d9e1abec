import { spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCache } from '../../src/cache/index.js';
import { sigLine } from '../../src/cache/dirsig.js';
import { NATIVE_MIN_FILES, STATWALK_PATH, statwalkCounters } from '../../src/cache/statwalk.js';
import { walkDir } from '../../src/cache/walk.js';
import { cacheSetup } from '../helpers/cache.js';
import { reproError } from '../helpers/errors.js';
import { age, ageTree, tempDir, writeTree } from '../helpers/tree.js';

/**
 * repro-statwalk (native/statwalk.c): it must print exactly the bytes the Node walk hashes into a
 * directory signature, in the same order, and decline (exit 3) whatever it cannot vouch for, so
 * that the Node walk answers as it always did. `npm run build` builds it (a C compiler is there
 * in CI: .ci/run installs gcc).
 */

/** The bytes a Node walk hashes for `root`'s signature (dirsig.ts SigBuilder). */
async function nodeBytes(root: string, allowedTargets: string[] = []): Promise<Buffer> {
  const parts: string[] = [];
  await walkDir(root, { allowedTargets, tick: () => undefined, onFile: (f) => void parts.push(sigLine(f)) });
  return Buffer.from(parts.join(''));
}

const helper = (root: string, ...allowed: string[]) => spawnSync(STATWALK_PATH, [root, ...allowed]);

beforeAll(() => {
  expect(existsSync(STATWALK_PATH), `${STATWALK_PATH} (npm run build)`).toBe(true);
  process.env.REPRO_STATWALK = 'native'; // even for these small directories
});
afterAll(() => {
  delete process.env.REPRO_STATWALK;
});

describe('repro-statwalk', () => {
  it("prints the Node walk's signature bytes: odd names, JavaScript's string order, exec bits, links in the tree", async () => {
    const ws = tempDir();
    writeTree(ws, {
      plain: 'p',
      'new\nline': 'n',
      'sp ace': 's',
      'ü-latin': 'u',
      '\u{E000}-private': 'e', // sorts after a surrogate pair in JavaScript, before it in UTF-8
      '\u{1F600}-emoji': 'f',
      '\uFFFD': 'r',
      'a/b': 'ab',
      'a-b': 'a-b', // '-' < '.' < '/' < '0': a directory sorts as its name with '/'
      'a.b': 'a.b',
      a0: 'a0',
      'deep/er/and/deeper/file': 'd',
      'run.sh': '#!/bin/sh\n',
      'link-to-plain': { symlink: 'plain' },
      'deep/up': { symlink: '../a/b' },
    });
    mkdirSync(join(ws, 'empty'));
    ageTree(ws);
    const r = helper(ws);
    expect(r.status, r.stderr.toString()).toBe(0);
    expect(r.stdout.toString('utf8')).toBe((await nodeBytes(ws)).toString('utf8'));
    expect(r.stderr.toString().trim()).toBe('15');
  });

  it('prints the same bytes for a big directory, whose lstats it splits across two threads, either way', async () => {
    const ws = tempDir();
    const spec: Record<string, string | { content: string; exec: boolean }> = {};
    for (let i = 0; i < 400; i++) spec[i % 7 === 0 ? `d${i}/f` : `f${i}`] = { content: String(i), exec: i % 5 === 0 };
    writeTree(ws, spec);
    const want = await nodeBytes(ws);
    const two = helper(ws);
    expect(two.status, two.stderr.toString()).toBe(0);
    expect(two.stdout).toEqual(want);
    const one = spawnSync(STATWALK_PATH, [ws], { env: { ...process.env, REPRO_STATWALK_ONE_THREAD: '1' } });
    expect(one.stdout).toEqual(want);
  });

  it('a symlink into an allowed directory (the object store) is followed; one leading elsewhere is declined', async () => {
    const store = tempDir();
    writeFileSync(join(store, 'obj'), 'content');
    const ws = tempDir();
    writeTree(ws, { f: 'f', l: { symlink: join(store, 'obj') } });
    const ok = helper(ws, store + '/');
    expect(ok.status, ok.stderr.toString()).toBe(0);
    expect(ok.stdout).toEqual(await nodeBytes(ws, [store]));
    expect(helper(ws).status).toBe(3);
  });

  it('declines what the Node walk refuses or treats specially: dangling or directory links, FIFOs, names that are not UTF-8', () => {
    const cases: Array<(d: string) => void> = [
      (d) => symlinkSync(join(d, 'nowhere'), join(d, 'x')),
      (d) => symlinkSync('sub', join(d, 'x')),
      (d) => execFileSync('mkfifo', [join(d, 'x')]),
      (d) => writeFileSync(Buffer.concat([Buffer.from(d + '/'), Buffer.from([0x66, 0xff])]), 'bad'),
    ];
    for (const make of cases) {
      const ws = tempDir();
      writeTree(ws, { 'sub/f': 'f' });
      make(ws);
      const r = helper(ws);
      expect(r.status, r.stderr.toString()).toBe(3);
    }
  });
});

describe('a status check through repro-statwalk', () => {
  async function settled(spec: Record<string, string>) {
    const { root, ws, cache } = cacheSetup();
    writeTree(ws, spec);
    ageTree(ws);
    const first = await cache.hashPath(ws);
    await cache.flush();
    const reopen = () => openCache({ dir: join(root, 'cache'), statCache: join(root, 'stat.json') });
    return { ws, first, reopen };
  }

  it('answers an unchanged directory from the helper, and a changed one from the full walk', async () => {
    const { ws, first, reopen } = await settled({ 'a/1': '1', 'a/2': '2', b: 'b' });
    const v = statwalkCounters.vouched;
    expect(await reopen().hashPath(ws)).toEqual(first);
    expect(statwalkCounters.vouched).toBe(v + 1);
    writeFileSync(join(ws, 'a/3'), '3');
    age(join(ws, 'a/3'));
    const now = await reopen().hashPath(ws);
    expect(now).not.toEqual(first);
    expect(now).toEqual(await openCache({ dir: join(tempDir(), 'c') }).hashPath(ws));
  });

  it('falls back to the Node walk where the helper declines: its error, or its answer', async () => {
    const { ws, reopen } = await settled({ 'a/1': '1', b: 'b' });
    symlinkSync('/etc/passwd', join(ws, 'a/out'));
    const d = statwalkCounters.declined;
    expect(await reproError(reopen().hashPath(ws))).toMatchObject({ code: 'E_PATH_ESCAPE' });
    expect(statwalkCounters.declined).toBe(d + 1);

    const s = await settled({ 'a/1': '1', b: 'b' });
    // A name Node cannot decode: its walk never sees the file (lstat of the decoded name fails).
    writeFileSync(Buffer.concat([Buffer.from(s.ws + '/a/'), Buffer.from([0xff])]), 'bad');
    expect(await s.reopen().hashPath(s.ws)).toEqual(s.first);
    expect(statwalkCounters.declined).toBe(d + 2);
  });

  it(`a directory of ${NATIVE_MIN_FILES} files is checked through the helper by default`, async () => {
    const spec: Record<string, string> = {};
    for (let i = 0; i < NATIVE_MIN_FILES; i++) spec[`d${i % 10}/f${i}`] = String(i);
    const { ws, first, reopen } = await settled(spec);
    delete process.env.REPRO_STATWALK;
    const v = statwalkCounters.vouched;
    try {
      expect(await reopen().hashPath(ws)).toEqual(first);
    } finally {
      process.env.REPRO_STATWALK = 'native';
    }
    expect(statwalkCounters.vouched).toBe(v + 1);
  });

  it('a small directory, or REPRO_STATWALK=node, walks in Node, with the same answer', async () => {
    const small = await settled({ 'a/1': '1', b: 'b' });
    delete process.env.REPRO_STATWALK;
    const before = [statwalkCounters.vouched, statwalkCounters.declined];
    try {
      expect(await small.reopen().hashPath(small.ws)).toEqual(small.first);
    } finally {
      process.env.REPRO_STATWALK = 'native';
    }
    expect([statwalkCounters.vouched, statwalkCounters.declined]).toEqual(before);

    const { ws, first, reopen } = await settled({ 'a/1': '1', b: 'b' });
    const v = statwalkCounters.vouched;
    const d = statwalkCounters.declined;
    process.env.REPRO_STATWALK = 'node';
    try {
      expect(await reopen().hashPath(ws)).toEqual(first);
    } finally {
      process.env.REPRO_STATWALK = 'native';
    }
    expect([statwalkCounters.vouched, statwalkCounters.declined]).toEqual([v, d]);
  });
});
