import { spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, git, read, repro, tempRepos, type CliResult } from '../helpers/repo.js';
import { cloneOf as cloneIn } from '../remote/fixtures.js';

/**
 * The run cache across machines, end to end: two clones of one repository sharing a directory
 * remote. The producer runs the pipeline, observes it (`verify --vary tz --save`), commits the
 * lock and pushes the objects and the run cache; the other clone runs `run --pull` as another
 * machine.
 *
 * Another machine, without mocking: os.hostname() (uname's nodename) is the host a run-cache
 * entry records (ops/run/restore.ts), so the second clone's repro runs in a UTS namespace of its
 * own with another host name (`unshare --uts --map-root-user`, then `hostname`): the kernel then
 * reports that name to every process inside. Where user namespaces are not allowed, the cases that
 * need it are skipped, saying so. (An entry fetched from a remote carries no host at all, so for
 * the first run the host name does not decide; the local entries the second clone then writes
 * carry the other name, and those are what the second case checks.)
 */
const { dirs, repo } = tempRepos();

const OTHER = 'repro-other-machine';
const canUnshare =
  spawnSync('unshare', ['--uts', '--map-root-user', 'sh', '-c', `hostname ${OTHER} && hostname`], { encoding: 'utf8' }).stdout?.trim() ===
  OTHER;
if (!canUnshare) console.warn('unshare --uts --map-root-user is not available here: the cross-machine run-cache cases are skipped');

const PIPE = {
  'repro.yaml': [
    'stages:',
    '  pure:',
    '    cmd: echo hello > pure.txt',
    '    outs: [pure.txt]',
    '  zone:',
    '    cmd: date -d @0 +%H > zone.txt',
    '    outs: [zone.txt]',
    '  free:',
    '    cmd: date -d @0 +%H:%M > free.txt',
    '    deterministic: false',
    '    outs: [free.txt]',
    '',
  ].join('\n'),
  '.gitignore': '.repro/\n',
};

/** The built repro in `dir`, on a machine whose host name is `host` (a UTS namespace of its own). */
function reproAs(host: string, dir: string, ...args: string[]): Promise<CliResult> {
  return new Promise((res, rej) => {
    const child = spawn(
      'unshare',
      ['--uts', '--map-root-user', 'sh', '-c', 'hostname "$1" && shift && exec "$@"', 'sh', host, process.execPath, BIN, ...args],
      { cwd: dir, env: process.env },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', rej);
    child.on('close', (code) => res({ code: code ?? -1, stdout, stderr }));
  });
}

type RunStage = {
  name: string;
  status: string;
  restored_from?: string;
  reasons: { kind: string; observed?: string; host?: string | null }[];
};

async function producer(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'repro-remote-'));
  dirs.push(d);
  const a = await repo(PIPE);
  expect((await repro(a, 'run', '--no-record')).code).toBe(0);
  expect((await repro(a, 'remote', 'add', '-d', 'team', join(d, 'store'))).code).toBe(0);
  const v = await repro(a, 'verify', '--vary', 'tz', '--save', '--json');
  expect(JSON.parse(v.stdout).vary.stages.map((s: { name: string; class: string }) => [s.name, s.class])).toEqual([
    ['pure', 'deterministic'],
    ['zone', 'environment-dependent'],
    ['free', 'environment-dependent'],
  ]);
  git(a, 'add', '-A');
  git(a, 'commit', '-qm', 'ran and observed');
  const p = await repro(a, 'push', '--run-cache');
  expect(p.code, p.stderr).toBe(0);
  return a;
}

describe.skipIf(!canUnshare)('the run cache across machines (two clones, a directory remote)', () => {
  it('another machine restores a deterministic stage and a deterministic: false one, and runs an environment-dependent one, saying why', async () => {
    const a = await producer();
    const b = await cloneIn(dirs, a);
    const r = await reproAs(OTHER, b, 'run', '--pull', '--no-record', '--json');
    expect(r.code, r.stderr).toBe(0);
    const by = Object.fromEntries((JSON.parse(r.stdout).stages as RunStage[]).map((s) => [s.name, s]));
    expect(by.pure).toMatchObject({ status: 'restored', restored_from: 'remote team' });
    expect(by.free).toMatchObject({ status: 'restored', restored_from: 'remote team' });
    expect(by.zone!.status).toBe('executed');
    expect(by.zone!.reasons).toContainEqual({ kind: 'run-cache-elsewhere', observed: 'environment-dependent', host: null });
    // what this machine made, not the producer's bytes (TZ is the same here, so the same content)
    expect(await read(b, 'zone.txt')).toBe(await read(a, 'zone.txt'));

    // The text output says so, on a third clone.
    const c = await cloneIn(dirs, a);
    const t = await reproAs(OTHER, c, 'run', '--pull', '--no-record');
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/^restored {2}pure \(from remote team: this key ran on another machine\)$/m);
    expect(t.stdout).toMatch(/^restored {2}free \(from remote team/m);
    expect(t.stdout).toMatch(
      /^ran {7}zone.*\n {4}not restored from the run cache: observed environment-dependent \(verify --vary\) and the entry was made on another machine \(fetched from a remote\); declare deterministic: false to restore it$/m,
    );
  });

  it("an entry this clone's machine wrote restores there; on a machine with another host name it does not", async () => {
    const a = await producer();
    const b = await cloneIn(dirs, a);
    expect((await reproAs(OTHER, b, 'run', '--pull', '--no-record')).code).toBe(0);
    // b's run cache now holds zone's entry made on OTHER: the same machine restores it
    rmSync(join(b, 'zone.txt'));
    const same = JSON.parse((await reproAs(OTHER, b, 'run', '--no-record', '--json')).stdout).stages as RunStage[];
    expect(same.find((s) => s.name === 'zone')).toMatchObject({ status: 'restored' });
    // this test's own machine (its real host name) is another one for that entry
    expect(hostname()).not.toBe(OTHER);
    rmSync(join(b, 'zone.txt'));
    const here = await repro(b, 'run', '--no-record', '--json');
    const zone = (JSON.parse(here.stdout).stages as RunStage[]).find((s) => s.name === 'zone')!;
    expect(zone.status).toBe('executed');
    expect(zone.reasons).toContainEqual({ kind: 'run-cache-elsewhere', observed: 'environment-dependent', host: OTHER });
  });
});
