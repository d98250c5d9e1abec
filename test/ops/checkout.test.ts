import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { isReproError } from '../../src/core/errors.js';
import { checkout } from '../../src/ops/checkout.js';
import { read, repro, tempRepos } from '../helpers/repo.js';

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
    await writeFile(join(d, '.repro', 'lock'), JSON.stringify({ pid: process.pid, host: hostname(), started: new Date().toISOString(), command: 'run' }));
    const e = await checkout({ cwd: d }).catch((x: unknown) => x);
    expect(isReproError(e, 'E_LOCKED')).toBe(true);
    expect(existsSync(join(d, 'a.txt'))).toBe(false);
  });

  it('takes over a stale lock, saying whose', async () => {
    const d = await ranOnce();
    await writeFile(join(d, '.repro', 'lock'), JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), started: new Date().toISOString() }));
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
});
