import { describe, expect, it } from 'vitest';
import { parseLock, readLock, serializeLock } from '../../src/lock/index.js';
import { restoreAcross } from '../../src/ops/run/observed.js';
import { msUntilSecondAfter } from '../../src/ops/verify/vary.js';
import { utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { git, read, repro, tempRepos } from '../helpers/repo.js';

const { repo } = tempRepos();

const PIPE = `version: 1
stages:
  pure:
    cmd: echo hello > pure.txt
    outs: [pure.txt]
  seeded:
    cmd: echo "seed $REPRO_SEED" > seeded.txt
    outs: [seeded.txt]
  zone:
    cmd: date -d @0 +%H > zone.txt
    deps: [pure.txt]
    outs: [zone.txt]
  noisy:
    cmd: od -An -N8 -tx1 /dev/urandom > noisy.txt
    outs: [noisy.txt]
  listing:
    cmd: ls -U in > listing.txt
    deps: [in]
    outs: [listing.txt]
  where:
    cmd: pwd > where.txt
    outs: [where.txt]
`;

async function ranRepo(pipe = PIPE): Promise<string> {
  const files: Record<string, string> = { 'repro.yaml': pipe, '.gitignore': '/.repro\n' };
  for (const f of ['a', 'b', 'c', 'd', 'e']) files[`in/${f}`] = f;
  const dir = await repo(files);
  const r = await repro(dir, 'run', '--no-record');
  expect(r.code, r.stderr).toBe(0);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'run');
  return dir;
}

type Stage = {
  name: string;
  class: string | null;
  differs_when: string[];
  variations: { variation: string; status: string }[];
  hint: string | null;
};

async function vary(
  dir: string,
  ...args: string[]
): Promise<{ code: number; body: { vary: { status: string; variations: string[]; saved: boolean; stages: Stage[] } } }> {
  const r = await repro(dir, 'verify', '--json', '--vary', ...args);
  return { code: r.code, body: JSON.parse(r.stdout) };
}

describe('verify --vary', () => {
  it('classifies each stage, naming the variation and the first differing line', async () => {
    const dir = await ranRepo();
    const { body } = await vary(dir, 'seed,tz,path,umask');
    expect(body.vary.variations).toEqual(['seed', 'tz', 'umask', 'path']);
    const by = Object.fromEntries(body.vary.stages.map((s) => [s.name, s]));
    expect(by.pure!.class).toBe('deterministic');
    expect(by.seeded!.class).toBe('seed-dependent');
    expect(by.zone!.class).toBe('environment-dependent');
    expect(by.zone!.differs_when).toEqual(['tz']);
    expect(by.zone!.hint).toMatch(/UTC/);
    expect(by.noisy!.class).toBe('unstable');
    expect(by.where!.differs_when).toEqual(['path']);
    expect(body.vary.status).toBe('warn');
    const text = await repro(dir, 'verify', '--vary', 'tz', 'zone');
    expect(text.stdout).toContain('zone: environment-dependent: differs when TZ changes: zone.txt line 1 `13`');
    expect(text.code).toBe(0);
  });

  it('stages named with the variations; an unknown name is a usage error', async () => {
    const dir = await ranRepo();
    const { body } = await vary(dir, 'seed', 'seeded', 'pure');
    expect(body.vary.stages.map((s) => [s.name, s.class])).toEqual([
      ['pure', 'deterministic'],
      ['seeded', 'seed-dependent'],
    ]);
    const bad = await repro(dir, 'verify', '--vary', 'nosuch');
    expect(bad.code).toBe(2);
  });

  it('--save writes observed into repro.lock; a run keeps it while the command is the same', async () => {
    const dir = await ranRepo();
    const before = await readLock(dir);
    const { body } = await vary(dir, 'tz,seed', 'zone', 'seeded', '--save');
    expect(body.vary.saved).toBe(true);
    const lock = await readLock(dir);
    expect(lock.stages.zone!.observed).toEqual({
      class: 'environment-dependent',
      varied: ['seed', 'tz'],
      at: git(dir, 'rev-parse', 'HEAD').trim(),
    });
    expect(lock.stages.seeded!.observed!.class).toBe('seed-dependent');
    expect(lock.stages.pure!.observed).toBeUndefined();
    expect(lock.stages.zone!.key).toBe(before.stages.zone!.key);
    // deterministic serialisation: parse and write back gives the same text
    expect(serializeLock(parseLock(serializeLock(lock)))).toBe(serializeLock(lock));
    expect((await repro(dir, 'run', '--no-record', '--force', 'zone')).code).toBe(0);
    expect((await readLock(dir)).stages.zone!.observed!.class).toBe('environment-dependent');
    const st = await repro(dir, 'status');
    expect(st.stdout).toContain('zone: observed environment-dependent (verify --vary: seed, tz');
    // plain verify warns about a stage repro.yaml has deterministic that was observed otherwise
    const v = await repro(dir, 'verify', '--json');
    expect(JSON.parse(v.stdout).observed_warnings.map((w: { stage: string }) => w.stage)).toEqual(['zone']);
  });

  it('observed shows in status (text and --json), in show of a later run, and as a verify warning in every report', async () => {
    const dir = await ranRepo();
    expect((await vary(dir, 'tz', 'zone', 'pure', '--save')).code).toBe(0);
    const st = await repro(dir, 'status', '--json');
    expect(JSON.parse(st.stdout).observed).toEqual({ zone: expect.objectContaining({ class: 'environment-dependent', varied: ['tz'] }) });
    // a recorded run carries the lock's observed into its record: show prints it per stage
    const run = await repro(dir, 'run', '--force', 'zone', '--json');
    expect(run.code, run.stderr).toBe(0);
    const id = JSON.parse(run.stdout).run_id as string;
    const show = await repro(dir, 'show', id);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toMatch(/^ {2}zone +executed +.*observed environment-dependent$/m);
    // plain verify (no --vary) warns in the terminal, the Markdown and the JUnit reports; exit 0
    const v = await repro(dir, 'verify', '--md', 'v.md', '--junit', 'v.xml');
    expect(v.code).toBe(0);
    const warning = "stage 'zone' is deterministic in repro.yaml but was observed environment-dependent (verify --vary at ";
    expect(v.stdout).toContain(`warning: ${warning}`);
    expect(v.stdout).not.toContain("stage 'pure'");
    expect(await read(dir, 'v.md')).toContain(`- ⚠️ ${warning}`);
    expect(await read(dir, 'v.xml')).toMatch(
      /<testsuite name="observed" tests="1" failures="0" skipped="0">\n +<testcase classname="repro.verify.observed" name="zone">\n +<system-out>warning: stage 'zone' is deterministic/,
    );
    // declared deterministic: false, the same observation is no warning
    await writeFile(
      join(dir, 'repro.yaml'),
      PIPE.replace('    cmd: date -d @0 +%H > zone.txt\n', '    cmd: date -d @0 +%H > zone.txt\n    deterministic: false\n'),
    );
    const quiet = await repro(dir, 'verify', '--json');
    expect(JSON.parse(quiet.stdout).observed_warnings).toBeUndefined();
  });

  it('a clock stage verified within the second of its run is time-dependent, not blamed on a variation', async () => {
    // Start at the beginning of a second, so the run and verify's reference fall in the same one
    // unless verify waits for the second after repro.lock was written.
    const now = Date.now();
    await new Promise((r) => setTimeout(r, 1000 - (now % 1000) + 5));
    const dir = await ranRepo('version: 1\nstages:\n  stamp:\n    cmd: date +%s > stamp.txt\n    outs: [stamp.txt]\n');
    const { body } = await vary(dir, 'seed,umask');
    const st = body.vary.stages.find((s) => s.name === 'stamp')!;
    expect(st.class).toBe('environment-dependent');
    expect(st.differs_when).toEqual(['time']);
  });

  it('the reference waits for the second after repro.lock was written, and only then', async () => {
    const dir = await repo({ 'repro.lock': 'version: 1\nstages: {}\n' });
    const lock = join(dir, 'repro.lock');
    const now = Date.now() / 1000;
    await utimes(lock, now, now);
    const wait = await msUntilSecondAfter(lock);
    expect(Date.now() + wait).toBeGreaterThanOrEqual((Math.floor(now) + 1) * 1000);
    expect(wait).toBeLessThanOrEqual(1100);
    await utimes(lock, now - 5, now - 5);
    expect(await msUntilSecondAfter(lock)).toBe(0);
    await utimes(lock, now + 3600, now + 3600);
    expect(await msUntilSecondAfter(lock)).toBe(1100);
    expect(await msUntilSecondAfter(join(dir, 'missing.lock'))).toBe(0);
  });

  it('an old lock without observed or source_date_epoch reads; a malformed observed is E_CONFIG', () => {
    const old = 'schema: 1\nstages:\n  a:\n    cmd: [echo]\n    key: k\n    out_hashes: {}\n';
    expect(parseLock(old).stages.a!.observed).toBeUndefined();
    expect(() => parseLock(old + '    observed: {class: flaky, varied: [], at: null}\n')).toThrow(
      expect.objectContaining({ code: 'E_CONFIG' }),
    );
  });
});

describe('run cache across machines', () => {
  const entry = (cls: string) => ({ observed: { class: cls, varied: ['tz'], at: null } }) as never;
  it("does not restore another machine's outputs of a stage observed environment-dependent or unstable", () => {
    expect(restoreAcross({ deterministic: true }, entry('environment-dependent'), null, 'me')).toBe(false);
    expect(restoreAcross({ deterministic: true }, entry('unstable'), 'other', 'me')).toBe(false);
    expect(restoreAcross({ deterministic: true }, entry('unstable'), 'me', 'me')).toBe(true);
    expect(restoreAcross({ deterministic: false }, entry('unstable'), null, 'me')).toBe(true);
    expect(restoreAcross({ deterministic: true }, entry('seed-dependent'), null, 'me')).toBe(true);
    expect(restoreAcross({ deterministic: true }, undefined, null, 'me')).toBe(true);
  });
});
