import { describe, expect, it } from 'vitest';
import { existsSync, symlinkSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { isReproError } from '../../src/core/errors.js';
import { checkout, checkoutError } from '../../src/ops/checkout.js';
import { repro, tempRepos } from '../helpers/repo.js';
import { read } from '../helpers/tree.js';

// `repro checkout` as an operation: it holds the repository lock and stops on its signal.
const { repo } = tempRepos();
const PIPELINE = {
  'repro.yaml': 'version: 1\nstages:\n  a:\n    cmd: echo a > a.txt\n    outs: [a.txt]\n  b:\n    cmd: echo b > b.txt\n    outs: [b.txt]\n',
};

async function ranOnce(): Promise<string> {
  const d = await repo(PIPELINE);
  expect((await repro(d, 'run', '--no-record')).code).toBe(0);
  await rm(join(d, 'a.txt'));
  await rm(join(d, 'b.txt'));
  return d;
}

describe('checkout', () => {
  it('refuses while another process holds the repository lock, touching nothing', async () => {
    const d = await ranOnce();
    await mkdir(join(d, '.repro'), { recursive: true });
    // A live holder: this test process.
    await writeFile(
      join(d, '.repro', 'lock'),
      JSON.stringify({ pid: process.pid, host: hostname(), started: new Date().toISOString(), command: 'run' }),
    );
    const e = await checkout({ cwd: d }).catch((x: unknown) => x);
    expect(isReproError(e, 'E_LOCKED')).toBe(true);
    expect(existsSync(join(d, 'a.txt'))).toBe(false);
  });

  it('takes over a stale lock, saying whose', async () => {
    const d = await ranOnce();
    await writeFile(
      join(d, '.repro', 'lock'),
      JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), started: new Date().toISOString() }),
    );
    const stale: number[] = [];
    const res = await checkout({ cwd: d, onStale: (pid) => stale.push(pid) });
    expect(stale).toEqual([2 ** 22 + 12345]);
    expect(res.restored.sort()).toEqual(['a.txt', 'b.txt']);
    expect(await read(d, 'a.txt')).toBe('a\n');
    expect(existsSync(join(d, '.repro', 'lock'))).toBe(false); // released
  });

  it('stops before the next output once its signal is aborted', async () => {
    const d = await ranOnce();
    const res = await checkout({ cwd: d, signal: AbortSignal.abort() });
    expect(res).toMatchObject({ interrupted: true, restored: [] });
    expect(existsSync(join(d, 'a.txt'))).toBe(false);
  });

  it('refuses to overwrite an edited output that is in no cache, naming it, and touches nothing', async () => {
    const d = await repo(PIPELINE);
    expect((await repro(d, 'run', '--no-record')).code).toBe(0);
    await writeFile(join(d, 'a.txt'), 'a\nnotes\n'); // never cached
    await rm(join(d, 'b.txt'));
    const r = await repro(d, 'checkout');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("checkout would overwrite unsaved changes: 'a.txt'");
    expect(r.stdout).toContain('modified  a.txt (stage a): not in the cache');
    expect(r.stdout).not.toMatch(/^restored/m);
    expect(await read(d, 'a.txt')).toBe('a\nnotes\n');
    expect(existsSync(join(d, 'b.txt'))).toBe(false); // nothing at all was restored
    const j = await repro(d, 'checkout', '--json');
    expect(j.code).toBe(1);
    expect(JSON.parse(j.stdout).modified).toEqual([{ path: 'a.txt', stage: 'a', files: [''] }]);
    const e = await checkout({ cwd: d }).then(checkoutError);
    expect(isReproError(e, 'E_UNSAVED')).toBe(true);

    const f = await repro(d, 'checkout', '--force');
    expect(f.code).toBe(0);
    expect(f.stdout).toContain('restored  a.txt');
    expect(await read(d, 'a.txt')).toBe('a\n');
    expect(await read(d, 'b.txt')).toBe('b\n');
  });

  it('names every edited file of a directory output; an output whose content is cached is simply restored', async () => {
    const d = await repo({
      'repro.yaml':
        'version: 1\nstages:\n  d:\n    cmd: mkdir -p out && echo x > out/x && echo y > out/y\n    outs: [out]\n  a:\n    cmd: echo a > a.txt\n    outs: [a.txt]\n',
    });
    expect((await repro(d, 'run', '--no-record')).code).toBe(0);
    await writeFile(join(d, 'out', 'y'), 'edited\n');
    await writeFile(join(d, 'out', 'new'), 'new\n');
    await writeFile(join(d, 'a.txt'), 'x\n'); // the content of out/x: in the cache, nothing is lost
    const j = await repro(d, 'checkout', '--json');
    expect(JSON.parse(j.stdout).modified).toEqual([{ path: 'out', stage: 'd', files: ['new', 'y'] }]);
    const only = await repro(d, 'checkout', 'a');
    expect(only.code).toBe(0);
    expect(await read(d, 'a.txt')).toBe('a\n');
  });

  it('says which selected stages never ran, with a hint to run them', async () => {
    const d = await repo(PIPELINE);
    expect((await repro(d, 'run', 'a', '--no-record')).code).toBe(0);
    const r = await repro(d, 'checkout');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("not run   stage b has no entry in repro.lock, nothing to restore: b.txt (run 'repro run b')");
    expect(r.stdout).toContain('1 stage never run');
    const j = JSON.parse((await repro(d, 'checkout', '--json')).stdout);
    expect(j.notRun).toEqual([{ stage: 'b', outs: ['b.txt'] }]);
  });

  it('does not write through a symlinked parent that leads out of the repository', async () => {
    const outside = await repo({});
    const d = await repo({ 'repro.yaml': 'version: 1\nstages:\n  a:\n    cmd: mkdir -p m && echo a > m/a.txt\n    outs: [m/a.txt]\n' });
    expect((await repro(d, 'run', '--no-record')).code).toBe(0);
    await rm(join(d, 'm'), { recursive: true });
    symlinkSync(outside, join(d, 'm'));
    const r = await repro(d, 'checkout', '--json');
    expect(JSON.parse(r.stdout).error.code).toBe('E_PATH_ESCAPE');
    expect(existsSync(join(outside, 'a.txt'))).toBe(false);
  });
});
