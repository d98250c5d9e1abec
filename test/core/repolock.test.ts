import { describe, it, expect, afterEach } from 'vitest';
import { mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { existsSync, readdirSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { spawn, spawnSync } from 'node:child_process';
import { acquireRepoLock } from '../../src/core/repolock.js';
import { isReproError } from '../../src/core/errors.js';
import { ROOT } from '../helpers/repo.js';

function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
}

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

  it("sweeps dead processes' temp files beside the lock on every acquisition, a live one's stay", async () => {
    const path = await lockPath();
    await acquireRepoLock(path).then((l) => l.release());
    const dead = deadPid();
    const gone = [`.lock.tmp-${dead}-0a1b2c3d`, `.stat-cache.json.tmp-${dead}-0a1b2c3d`];
    const kept = [`.lock.tmp-${process.ppid}-0a1b2c3d`, 'stat-cache.json', `tmp-${dead}-0a1b2c3d`];
    for (const f of [...gone, ...kept]) await writeFile(join(dirname(path), f), 'x');
    const lock = await acquireRepoLock(path);
    for (const f of gone) expect(existsSync(join(dirname(path), f)), f).toBe(false);
    for (const f of kept) expect(existsSync(join(dirname(path), f)), f).toBe(true);
    await lock.release();
  });

  it('tells a reused pid by its start ticks since boot, whatever the wall clock says', async () => {
    const path = await lockPath();
    const lock = await acquireRepoLock(path);
    const mine = JSON.parse(await readFile(path, 'utf8'));
    expect(Number.isSafeInteger(mine.ticks)).toBe(true);
    await lock.release();
    // Same pid, same start ticks, but a start time the wall clock puts in the past (the clock was
    // stepped forward since): the same live process, refused.
    await writeFile(path, JSON.stringify({ ...mine, started: '2001-01-01T00:00:00.000Z' }));
    expect(isReproError(await acquireRepoLock(path).catch((e: unknown) => e), 'E_LOCKED')).toBe(true);
    // Same pid, other start ticks: another process got the pid, stale.
    await writeFile(path, JSON.stringify({ ...mine, ticks: mine.ticks + 1, started: new Date().toISOString() }));
    const again = await acquireRepoLock(path);
    expect(again.tookOver).toMatchObject({ token: mine.token });
    await again.release();
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

  it('refuses an empty or unreadable lock while it is recent (a writer between open and write), takes it over once old', async () => {
    const path = await lockPath();
    await acquireRepoLock(path).then((l) => l.release());
    await writeFile(path, '');
    expect(isReproError(await acquireRepoLock(path).catch((e: unknown) => e), 'E_LOCKED')).toBe(true);
    const old = new Date(Date.now() - 60_000);
    await utimes(path, old, old);
    const lock = await acquireRepoLock(path);
    expect(JSON.parse(await readFile(path, 'utf8')).token).toBe(lock.token);
    await lock.release();
  });

  it('goes past the takeover marker of a taker that died mid-takeover, and leaves no marker behind', async () => {
    const path = await lockPath();
    await acquireRepoLock(path).then((l) => l.release());
    const pid = deadPid();
    const stale = { pid, host: hostname(), started: '2001-01-01T00:00:00.000Z', token: '00000000000000aa' };
    const taker = { pid, host: hostname(), started: '2001-01-01T00:00:01.000Z', token: '00000000000000bb' };
    await writeFile(path, JSON.stringify(stale));
    await writeFile(`${path}.takeover-${stale.token}`, JSON.stringify(taker));
    // A marker of an older generation, left by a taker killed after it had replaced that lock.
    await writeFile(`${path}.takeover-00000000000000ff.00000000000000ab`, JSON.stringify(taker));
    const lock = await acquireRepoLock(path);
    expect(lock.tookOver).toMatchObject({ token: stale.token });
    expect(readdirSync(dirname(path)).sort()).toEqual(['lock']);
    await lock.release();
  });

  it('refuses while a live process holds the takeover marker of a stale lock', async () => {
    const path = await lockPath();
    await acquireRepoLock(path).then((l) => l.release());
    const stale = { pid: deadPid(), host: hostname(), started: '2001-01-01T00:00:00.000Z', token: '00000000000000aa' };
    await writeFile(path, JSON.stringify(stale));
    await writeFile(
      `${path}.takeover-${stale.token}`,
      JSON.stringify({ pid: process.pid, host: hostname(), started: new Date().toISOString(), token: '00000000000000cc' }),
    );
    expect(isReproError(await acquireRepoLock(path).catch((e: unknown) => e), 'E_LOCKED')).toBe(true);
    expect(JSON.parse(await readFile(path, 'utf8')).token).toBe(stale.token); // untouched
  });

  it('release leaves alone a lock that is no longer its own', async () => {
    const path = await lockPath();
    const lock = await acquireRepoLock(path);
    const other = JSON.stringify({ pid: process.pid, host: hostname(), started: new Date().toISOString(), token: '00000000000000dd' });
    await writeFile(path, other);
    await lock.release();
    expect(await readFile(path, 'utf8')).toBe(other);
  });
});

// Many processes calling acquireRepoLock at once, some killed with -9 while holding it: the
// holds, logged with O_APPEND by each holder, never overlap. Runs the built module (dist/).
const CHILD = `
import { appendFileSync, existsSync } from 'node:fs';
const [url, path, log, go, iters, killAt] = process.argv.slice(1);
const { acquireRepoLock } = await import(url);
const nap = new Int32Array(new SharedArrayBuffer(4));
while (!existsSync(go)) Atomics.wait(nap, 0, 0, 2);
for (let i = 0; i < Number(iters); i++) {
  let lock;
  try {
    lock = await acquireRepoLock(path);
  } catch (e) {
    if (e.code !== 'E_LOCKED') { console.error(e); process.exit(2); }
    continue;
  }
  appendFileSync(log, '+' + process.pid + '\\n');
  for (let k = 0; k < 20; k++) existsSync(path);
  if (i === Number(killAt)) {
    appendFileSync(log, '!' + process.pid + '\\n');
    process.kill(process.pid, 'SIGKILL');
  }
  appendFileSync(log, '-' + process.pid + '\\n');
  await lock.release();
}
`;

function runChild(args: string[]): Promise<number | null> {
  return new Promise((res) => {
    const c = spawn(process.execPath, ['--input-type=module', '-e', CHILD, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
    c.on('close', (code, signal) => res(signal ? 137 : code));
  });
}

describe('acquireRepoLock from many processes at once', () => {
  it.each([false, true])('never lets two hold it, with holders killed -9 mid-hold (stale lock at the start: %s)', async (stale) => {
    const path = await lockPath();
    const dir = dirname(path);
    await acquireRepoLock(path).then((l) => l.release());
    if (stale)
      await writeFile(
        path,
        JSON.stringify({ pid: deadPid(), host: hostname(), started: '2001-01-01T00:00:00.000Z', token: '00000000000000ee' }),
      );
    const log = join(dir, 'holds.log');
    const go = join(dir, 'go');
    const url = pathToFileURL(join(ROOT, 'dist', 'core', 'repolock.js')).href;
    const children = Array.from({ length: 12 }, (_, i) => runChild([url, path, log, go, '25', i % 4 === 1 ? String(3 + i) : '-1']));
    await writeFile(go, '');
    const codes = await Promise.all(children);
    expect(codes.filter((c) => c !== 0 && c !== 137)).toEqual([]);
    const events = (await readFile(log, 'utf8')).trim().split('\n');
    let holder: string | null = null;
    let holds = 0;
    for (const [i, ev] of events.entries()) {
      const who = ev.slice(1);
      if (ev[0] === '+') {
        expect(holder, `event ${i}: ${ev} while ${holder} holds`).toBeNull();
        holder = who;
        holds++;
      } else {
        expect(who, `event ${i}: ${ev}`).toBe(holder);
        holder = null;
      }
    }
    expect(events.filter((e) => e[0] === '!')).toHaveLength(codes.filter((c) => c === 137).length);
    expect(holds).toBeGreaterThan(12);
    expect(readdirSync(dir).filter((f) => f.includes('takeover'))).toEqual([]);
  });
});
