import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CHUNK_BYTES, openCache } from '../../src/cache/index.js';
import { storeTuning } from '../../src/cache/save-dir.js';
import { cacheSetup } from '../helpers/cache.js';
import { BIN, removeRepo, repro, testRepo } from '../helpers/repo.js';
import { sha, writeTree, type TreeSpec } from '../helpers/tree.js';

/** Directory outputs stored on worker threads (save-dir.ts, pool.ts) against the serial store. */

const tuning = { ...storeTuning };
afterEach(() => Object.assign(storeTuning, tuning));

/** Every object file: name → mode, after checking that its content hashes to its name. */
function objects(cacheDir: string, opts: { allowTemp?: boolean } = {}): Record<string, number> {
  const out: Record<string, number> = {};
  const root = join(cacheDir, 'objects');
  for (const hh of readdirSync(root)) {
    for (const rest of readdirSync(join(root, hh))) {
      const p = join(root, hh, rest);
      if (opts.allowTemp && /\.tmp-\d+-[0-9a-f]+$/.test(rest)) continue;
      expect(rest, `temp file left in ${hh}/`).toMatch(/^[0-9a-f]{62}(\.dir)?$/);
      const name = hh + rest;
      expect(sha(readFileSync(p)) + (name.endsWith('.dir') ? '.dir' : ''), `object ${name}`).toBe(name);
      out[name] = statSync(p).mode & 0o777;
    }
  }
  return out;
}

/** 600 files: sizes around the pool's limit, duplicates, executables, a symlink, nesting. */
function tree(): TreeSpec {
  const spec: TreeSpec = {};
  for (let i = 0; i < 600; i++) spec[`d${i % 7}/f${String(i).padStart(4, '0')}.txt`] = `file ${i}\n`.repeat(1 + (i % 40));
  for (let i = 0; i < 20; i++) spec[`dup/${i}`] = 'same bytes\n';
  spec['bin/run.sh'] = '#!/bin/sh\necho hi\n';
  spec['bin/plain'] = '#!/bin/sh\necho hi\n'; // same content, one exec and one not
  spec['big/just-below'] = randomBytes(CHUNK_BYTES - 1);
  spec['big/at-limit'] = randomBytes(CHUNK_BYTES);
  spec['big/above'] = randomBytes(CHUNK_BYTES + 5);
  spec['empty'] = '';
  spec['link-to-f0'] = { symlink: 'd0/f0000.txt' };
  return spec;
}

describe('storing a directory on worker threads', () => {
  it('gives the same manifest and the same objects (names, modes) as the serial store', async () => {
    const spec = tree();
    const serial = cacheSetup();
    writeTree(join(serial.ws, 'out'), spec);
    storeTuning.poolAfter = Infinity;
    const a = await serial.cache.save(join(serial.ws, 'out'));

    const par = cacheSetup();
    writeTree(join(par.ws, 'out'), spec);
    storeTuning.poolAfter = 0;
    storeTuning.threads = 2;
    const b = await par.cache.save(join(par.ws, 'out'));

    expect(b).toEqual(a);
    expect(a.nfiles).toBe(Object.keys(spec).length);
    const objs = objects(par.cacheDir);
    expect(objs).toEqual(objects(serial.cacheDir));
    expect(objs[sha('#!/bin/sh\necho hi\n')]).toBe(0o555);
    expect(objs[sha('file 1\n'.repeat(2))]).toBe(0o444);
    expect(readdirSync(join(par.cacheDir, 'tmp')).filter((n) => n.includes('.tmp-'))).toEqual([]);
    // The stat cache learnt every file: a second save reads nothing and gives the same answer.
    await par.cache.flush?.();
    expect(await par.cache.save(join(par.ws, 'out'))).toEqual(a);
    expect(await par.cache.check(b.hash)).toMatchObject({ ok: true });
  });

  it('repairs a bad object that already exists instead of keeping it', async () => {
    const { ws, cacheDir, cache } = cacheSetup();
    const spec: TreeSpec = {};
    for (let i = 0; i < 50; i++) spec[`f${i}`] = `content ${i}\n`;
    writeTree(join(ws, 'out'), spec);
    storeTuning.poolAfter = 0;
    const first = await cache.save(join(ws, 'out'));
    // Garble one object (same size), then store the same files again through a fresh cache.
    const victim = join(cacheDir, 'objects', sha('content 7\n').slice(0, 2), sha('content 7\n').slice(2));
    chmodSync(victim, 0o644);
    writeFileSync(victim, 'garbled 7\n');
    const again = openCache({ dir: cacheDir });
    expect(await again.save(join(ws, 'out'))).toEqual(first);
    expect(readFileSync(victim, 'utf8')).toBe('content 7\n');
    expect(readdirSync(join(cacheDir, 'bad')).length).toBe(1);
    objects(cacheDir);
  });

  it('hardlink mode: objects are the workspace inodes, read-only, exec bit kept', async () => {
    const { ws, cacheDir, cache } = cacheSetup({ linkTypes: ['hardlink'] });
    const spec: TreeSpec = {};
    for (let i = 0; i < 300; i++) spec[`f${i}`] = `linked ${i}\n`;
    spec['tool.sh'] = '#!/bin/sh\n';
    spec['dup-a'] = 'twice\n';
    spec['dup-b'] = 'twice\n';
    writeTree(join(ws, 'out'), spec);
    storeTuning.poolAfter = 0;
    const info = await cache.save(join(ws, 'out'));
    expect(info.nfiles).toBe(303);
    for (const rel of ['f0', 'f299', 'tool.sh', 'dup-a', 'dup-b']) {
      const w = statSync(join(ws, 'out', rel));
      const h = sha(readFileSync(join(ws, 'out', rel)));
      const o = statSync(join(cacheDir, 'objects', h.slice(0, 2), h.slice(2)));
      expect([w.ino, w.dev], rel).toEqual([o.ino, o.dev]);
      expect(o.mode & 0o777, rel).toBe(rel === 'tool.sh' ? 0o555 : 0o444);
    }
    const objs = objects(cacheDir);
    expect(Object.keys(objs).length).toBe(302 + 1); // two files share one object; plus the manifest
    expect(readdirSync(join(cacheDir, 'tmp')).filter((n) => n.includes('.tmp-'))).toEqual([]);
    expect(await cache.check(info.hash)).toMatchObject({ ok: true });
  });

  it.each([
    ['copy', 'in place', false],
    ['hardlink', 'by rename', true],
  ] as const)('%s mode: files rewritten (%s) while the store runs are never stored under a wrong name', async (_m, _how, hardlink) => {
    const { ws, cacheDir, cache } = cacheSetup(hardlink ? { linkTypes: ['hardlink'] } : {});
    const out = join(ws, 'out');
    const spec: TreeSpec = {};
    for (let i = 0; i < 1000; i++) spec[`f${String(i).padStart(4, '0')}`] = `v0 ${i}\n`;
    writeTree(out, spec);
    // A writer rewrites the files (new content, sometimes a new size) while they are stored.
    const writer = spawn(
      process.execPath,
      [
        '-e',
        `const fs = require('fs'); const ren = ${hardlink}; let v = 1; for (;;) { for (let i = 0; i < 1000; i += 7) { const p = ${JSON.stringify(out)} + '/f' + String(i).padStart(4, '0'); const t = ren ? p + '.new' : p; fs.writeFileSync(t, 'v' + v + ' ' + i + '\\n'.repeat(1 + (v % 3))); if (ren) fs.renameSync(t, p); } v++; }`,
      ],
      { stdio: 'ignore' },
    );
    try {
      storeTuning.poolAfter = 0;
      for (let k = 0; k < 2; k++) await cache.save(out);
    } finally {
      writer.kill('SIGKILL');
    }
    objects(cacheDir); // every object hashes to its name
  });

  it('a store killed mid-way (kill -9) leaves nothing wrong: the next run completes it', async () => {
    const spec: TreeSpec = {
      'repro.yaml': 'version: 1\nstages:\n  store:\n    cmd: cp -r stash out\n    outs: [out/]\n',
      '.gitignore': 'out/\nstash/\n',
    };
    for (let i = 0; i < 1200; i++) spec[`stash/d${i % 10}/f${i}`] = `kill ${i}\n`.repeat(1 + (i % 5));
    const dir = await testRepo(spec);
    const cacheDir = join(dir, '.repro', 'cache');
    // The real binary, killed once the pool has started (it makes every fan-out directory first).
    const child = spawn(process.execPath, [BIN, 'run', '--no-record'], { cwd: dir, stdio: 'ignore' });
    const exited = new Promise((r) => child.on('exit', r));
    for (let i = 0; i < 800 && !existsSync(join(cacheDir, 'objects', 'ff')); i++) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    await exited;
    objects(cacheDir, { allowTemp: true }); // whatever got a name is good
    const again = await repro(dir, 'run', '--no-record');
    expect(again.code, again.stderr).toBe(0);
    const hash = /hash: ([0-9a-f]{64}\.dir)/.exec(readFileSync(join(dir, 'repro.lock'), 'utf8'))![1]!;
    const cache = openCache({ dir: cacheDir });
    expect(await cache.check(hash)).toMatchObject({ ok: true });
    await cache.gc([hash]); // sweeps the killed writer's temp files
    expect(Object.keys(objects(cacheDir)).length).toBe(1201);
    await removeRepo(dir);
  });
});
