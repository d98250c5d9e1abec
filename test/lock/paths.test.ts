import { afterEach, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256 } from '../../src/core/canonical.js';
import { checkLockPaths, parseLock, readLock, serializeLock, type LockFile, type LockStage } from '../../src/lock/index.js';
import { reproError } from '../helpers/errors.js';

// Every path in a lock is untrusted input (a pull request's lock, a pushed run's): the reader
// refuses what is not canonical and inside the repository, at the stage's line.

const H = (c: string) => c.repeat(64);
const entry = (over: Partial<LockStage> = {}): LockStage => ({
  cmd: ['python train.py'],
  wdir: '',
  deps: { 'data.csv': H('a') },
  params: { 'params.yaml': { lr: 0.1 } },
  locks: { 'requirements.txt': H('d') },
  env: {},
  seed: 1,
  outs: { 'model.json': 'out', 'out/dir': 'out' },
  key: H('b'),
  out_hashes: { 'model.json': { hash: H('c'), size: 10 } },
  ...over,
});
const lockWith = (over: Partial<LockStage>): string => serializeLock({ schema: 1, stages: { train: entry(over) } });

function error(f: () => unknown): { code: string; message: string; line?: number } {
  const e = reproError(f);
  return { code: e.code, message: e.message, line: e.pos?.line };
}

const BAD = ['../x', '/abs/x', 'a/../../x', './a', 'a//b', 'a/', 'a\\..\\x', '.git/config', '.repro/cache/x', '..'];

describe('lock paths', () => {
  it('accepts what repro writes: canonical paths, wdir and a dep of the repository root as ""', () => {
    expect(parseLock(lockWith({})).stages.train).toEqual(entry());
    expect(parseLock(lockWith({ wdir: 'sub', deps: { '': H('a') }, outs: {}, out_hashes: {} })).stages.train!.deps).toEqual({ '': H('a') });
  });

  it.each(BAD)('refuses %j as a dep, an output, a params file, a lock file, an output hash and a wdir', (bad) => {
    const cases: Partial<LockStage>[] = [
      { deps: { [bad]: H('a') } },
      { outs: { [bad]: 'out' } },
      { params: { [bad]: {} } },
      { locks: { [bad]: H('d') } },
      { out_hashes: { [bad]: { hash: H('c'), size: 1 } } },
      { wdir: bad },
    ];
    for (const c of cases) {
      const text = lockWith(c);
      const e = error(() => parseLock(text, 'run1:repro.lock'));
      expect(e.code, JSON.stringify(c)).toBe('E_PATH_ESCAPE');
      expect(e.message).toContain(`unsafe path in run1:repro.lock stage 'train'`);
      expect(e.line).toBe(text.split('\n').indexOf('  train:') + 1);
    }
  });

  it('refuses duplicate paths in an entry: a key listed twice, outputs inside each other, a dep overlapping an output', () => {
    const text = lockWith({});
    expect(error(() => parseLock(text.replace('      data.csv: ', `      data.csv: ${H('e')}\n      data.csv: `))).code).toBe('E_YAML');
    expect(error(() => parseLock(text.replace('      data.csv: ', `      data.csv: ${H('e')}\n      "data.csv": `))).code).toBe('E_YAML');
    const inside = error(() => parseLock(lockWith({ outs: { out: 'out', 'out/model.json': 'out' } })));
    expect(inside).toMatchObject({ code: 'E_CONFIG', message: expect.stringContaining("output 'out/model.json' is inside output 'out'") });
    expect(error(() => parseLock(lockWith({ out_hashes: { 'out/dir/x': { hash: H('c'), size: 1 } } }))).code).toBe('E_CONFIG');
    for (const dep of ['model.json', 'out', 'out/dir/x', '']) {
      expect(error(() => parseLock(lockWith({ deps: { [dep]: H('a') } }))).code, dep).toBe('E_CONFIG');
    }
  });

  it('checkLockPaths checks a lock built in memory as parseLock checks text', () => {
    const lock: LockFile = { schema: 1, stages: { s: entry({ deps: { '../x': H('a') } }) } };
    expect(error(() => checkLockPaths(lock, 'the lock')).message).toContain("unsafe path in the lock stage 's', deps: '../x'");
  });

  describe('readLock', () => {
    const dirs: string[] = [];
    afterEach(async () => {
      while (dirs.length) await rm(dirs.pop()!, { recursive: true, force: true });
    });

    it('checks the paths of a memoised parse too: a planted memo cannot bring one in', async () => {
      const root = await mkdtemp(join(tmpdir(), 'repro-lockmemo-'));
      dirs.push(root);
      await mkdir(join(root, '.repro'));
      const text = lockWith({});
      await writeFile(join(root, 'repro.lock'), text);
      const planted = { schema: 1, stages: { train: entry({ deps: { '../../outside.txt': H('a') } }) } };
      await writeFile(join(root, '.repro', 'lock.memo.json'), JSON.stringify({ v: 1, key: sha256(text), value: planted }));
      expect((await readLock(root).catch((e) => e)).code).toBe('E_PATH_ESCAPE');
    });
  });
});
