import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { RUN_TOKEN_VAR, stopLeftovers, sweepTemps } from '../../src/ops/run/takeover.js';
import { running, startGroup, stops } from '../helpers/procs.js';
import { reproBin, tempRepos } from '../helpers/repo.js';

const { repo } = tempRepos();

function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
}

/** Kill leftovers of `pid` in every place repro writes temp files (repo-relative paths). */
function leftovers(pid: number): string[] {
  return [
    `.params.yaml.tmp-${pid}-0a1b2c3d`,
    `out/.model.bin.tmp-${pid}-0a1b2c3d`,
    `.repro/.stat-cache.json.tmp-${pid}-0a1b2c3d`,
    `.repro/.runcache.jsonl.tmp-${pid}-0a1b2c3d`,
    `.repro/.lock.tmp-${pid}-0a1b2c3d`,
    `.repro/logs/.s.log.tmp-${pid}-0a1b2c3d`,
    `.repro/held/${pid}-0/file`,
    `.repro/cache/tmp/.obj.tmp-${pid}-0a1b2c3d0`,
    `.repro/cache/objects/ab/.${'c'.repeat(62)}.tmp-${pid}-0a1b2c3d1f`,
    `.git/objects/ab/tmp_obj_${pid}_0a1b2c3d`,
  ];
}

async function plant(d: string, files: string[]): Promise<void> {
  for (const f of files) {
    await mkdir(dirname(join(d, f)), { recursive: true });
    await writeFile(join(d, f), 'half');
  }
}

describe('sweepTemps', () => {
  it("removes a dead pid's temp files everywhere repro writes them, and nothing of a live process or of Git's", async () => {
    const d = await repo({ 'a.txt': 'a\n' });
    const dead = leftovers(deadPid());
    const live = leftovers(process.pid);
    const others = ['.git/objects/ab/tmp_obj_Xy12Zq', '.repro/cache/objects/ab/' + 'd'.repeat(62), '.repro/lock', 'out/model.bin'];
    await plant(d, [...dead, ...live, ...others]);
    const n = sweepTemps({
      root: d,
      stateDir: join(d, '.repro'),
      cacheDir: join(d, '.repro', 'cache'),
      paths: ['out/model.bin', 'params.yaml'],
      gitObjectsDir: join(d, '.git', 'objects'),
    });
    expect(n).toBe(dead.length);
    for (const f of dead) expect(existsSync(join(d, f)), f).toBe(false);
    for (const f of [...live, ...others]) expect(existsSync(join(d, f)), f).toBe(true);
  });

  it('runs when repro run takes over a stale lock (real binary)', async () => {
    const d = await repo({
      'repro.yaml': 'version: 1\nstages:\n  s:\n    cmd: mkdir -p out && echo m > out/model.bin\n    outs: [out/model.bin]\n',
    });
    const pid = deadPid();
    const dead = leftovers(pid);
    await plant(d, dead);
    await writeFile(
      join(d, '.repro', 'lock'),
      JSON.stringify({ pid, host: hostname(), started: '2001-01-01T00:00:00.000Z', token: '00000000000000aa' }),
    );
    const r = await reproBin(d, ['run']);
    expect(r.code, r.stderr).toBe(0);
    // Those directly in .repro/ went already with the lock's own sweep (core/repolock.ts).
    const byTakeover = dead.filter((f) => !/^\.repro\/\.[^/]+$/.test(f)).length;
    expect(r.stderr).toMatch(new RegExp(`removed ${byTakeover} temp files? left by pid ${pid}`));
    for (const f of dead) expect(existsSync(join(d, f)), f).toBe(false);
  });
});

describe('stopLeftovers', () => {
  const token = `test${process.pid}${Date.now().toString(16)}`;
  const holder = { pid: 1, host: hostname(), started: '2001-01-01T00:00:00.000Z', token };
  const marked = `${RUN_TOKEN_VAR}=${token}`;

  it('ends a token carrier in a group it does not lead alone: the group is not its to end (a test runner, a CI step)', async () => {
    // The group of some unrelated program (its leader and a second member carry no token); one
    // member carries the token, as a pid once a stage's and now someone else's could appear to.
    const g = await startGroup(`${marked} sleep 30 & echo $!; sleep 30 & echo $!; wait`, 2, process.env, [marked]);
    try {
      const [carrier, bystander] = g.members;
      expect(await stopLeftovers(holder, 200)).toBe(1);
      expect(await stops(carrier!)).toBe(true);
      expect(running(bystander!), 'a process without the token, in the same group, was signalled').toBe(true);
      expect(running(g.leader), "the group's leader, without the token, was signalled").toBe(true);
    } finally {
      g.end();
    }
  });

  it("ends a stage shell's whole group, members without the token too, SIGKILL after the grace period", async () => {
    // The leader carries the token (a stage shell); one member dropped it; one ignores SIGTERM
    // (it prints its pid once its trap is set).
    const g = await startGroup(
      `env -u ${RUN_TOKEN_VAR} sleep 30 & echo $!; sh -c 'trap "" TERM; echo $$; while :; do sleep 1; done' & wait`,
      2,
      { ...process.env, [RUN_TOKEN_VAR]: token },
    );
    const n = await stopLeftovers(holder, 200);
    expect(n).toBeGreaterThanOrEqual(2); // the shell and the stubborn one (and its sleep)
    for (const p of [g.leader, ...g.members]) expect(await stops(p)).toBe(true);
  });

  it('ends nothing when no process carries the token', async () => {
    const g = await startGroup('sleep 30 & echo $!; wait', 1);
    try {
      expect(await stopLeftovers(holder, 200)).toBe(0);
      expect(running(g.members[0]!)).toBe(true);
    } finally {
      g.end();
    }
  });
});
