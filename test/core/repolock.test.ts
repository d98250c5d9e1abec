import { describe, it, expect, afterEach } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { acquireRepoLock } from '../../src/core/repolock.js';
import { isReproError } from '../../src/core/errors.js';

const dirs: string[] = [];
afterEach(async () => {
  while (dirs.length) await rm(dirs.pop()!, { recursive: true, force: true });
});
async function lockPath(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'repro-lock-'));
  dirs.push(d);
  return join(d, '.repro', 'lock');
}

describe('acquireRepoLock', () => {
  it('writes the holder, refuses a second holder while alive, and frees on release', async () => {
    const path = await lockPath();
    const lock = await acquireRepoLock(path, { command: 'run' });
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ pid: process.pid, host: hostname(), command: 'run' });
    const second = await acquireRepoLock(path).catch((e: unknown) => e);
    expect(isReproError(second, 'E_LOCKED')).toBe(true);
    await lock.release();
    expect(existsSync(path)).toBe(false);
    await (await acquireRepoLock(path)).release();
  });

  it('takes over a lock whose pid now belongs to a process started after the lock was written (pid reuse)', async () => {
    const path = await lockPath();
    await acquireRepoLock(path).then((l) => l.release()); // creates .repro/
    // This very process is alive, but it started long after 2001: the pid was reused.
    await writeFile(path, JSON.stringify({ pid: process.pid, host: hostname(), started: '2001-01-01T00:00:00.000Z', token: 'ab' }));
    const seen: number[] = [];
    const lock = await acquireRepoLock(path, { onStale: (h) => seen.push(h.pid) });
    expect(seen).toEqual([process.pid]);
    expect(lock.tookOver).toMatchObject({ pid: process.pid, token: 'ab' });
    expect(lock.token).toMatch(/^[0-9a-f]{16}$/);
    await lock.release();
    // Written just now by this process: alive, refused.
    await writeFile(path, JSON.stringify({ pid: process.pid, host: hostname(), started: new Date().toISOString() }));
    expect(isReproError(await acquireRepoLock(path).catch((e: unknown) => e), 'E_LOCKED')).toBe(true);
  });

  it('takes over a lock whose holder is dead, and says so', async () => {
    const path = await lockPath();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(dead.stdout);
    await acquireRepoLock(path).then((l) => l.release()); // creates .repro/
    await writeFile(path, JSON.stringify({ pid: deadPid, host: hostname(), started: '' }));
    const seen: number[] = [];
    const lock = await acquireRepoLock(path, { onStale: (h) => seen.push(h.pid) });
    expect(seen).toEqual([deadPid]);
    await lock.release();
  });

  it('treats an empty lock file (a holder that died mid-write) as stale', async () => {
    const path = await lockPath();
    await acquireRepoLock(path).then((l) => l.release());
    await writeFile(path, '');
    await (await acquireRepoLock(path)).release();
  });
});
