import { describe, it, expect } from 'vitest';
import { existsSync } from 'node:fs';
import { appendFile, writeFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { repro, git, tempRepos } from '../helpers/repo.js';
import { CHAIN, read, writeTree } from '../helpers/tree.js';

const { dirs, repo } = tempRepos();

async function runJson(dir: string, ...args: string[]) {
  const r = await repro(dir, 'run', '--json', '--no-record', ...args);
  const body = JSON.parse(r.stdout);
  const by = Object.fromEntries(body.stages.map((s: { name: string; status: string }) => [s.name, s.status]));
  return { ...r, body, by };
}

describe('repro run', () => {
  it('runs stale stages in order and skips them when up to date', async () => {
    const d = await repo(CHAIN);
    const first = await runJson(d);
    expect(first.code).toBe(0);
    expect(first.by).toEqual({ a: 'executed', b: 'executed' });
    expect(await read(d, 'b.txt')).toBe('hello\none\n');
    const second = await runJson(d);
    expect(second.by).toEqual({ a: 'up-to-date', b: 'up-to-date' });
    expect(await read(d, '.gitignore')).toMatch(/^\/a\.txt$/m);
  });

  it('reruns downstream only when an upstream output really changed', async () => {
    const d = await repo(CHAIN);
    await runJson(d);
    await writeFile(join(d, 'in.txt'), '# another comment\nhello\n');
    const r = await runJson(d);
    expect(r.by).toEqual({ a: 'executed', b: 'up-to-date' });
    await writeFile(join(d, 'in.txt'), '# another comment\nhello world\n');
    const r2 = await runJson(d);
    expect(r2.by).toEqual({ a: 'executed', b: 'executed' });
  });

  it('explains staleness from what to what, and restores from the run cache when a param is reverted', async () => {
    const d = await repo(CHAIN);
    await runJson(d);
    await writeFile(join(d, 'params.yaml'), 'b:\n  suffix: two\n');
    const st = await repro(d, 'status', '--json');
    const body = JSON.parse(st.stdout);
    expect(body.clean).toBe(false);
    expect(body.stale).toEqual([
      { name: 'b', reasons: expect.arrayContaining([{ kind: 'param', file: 'params.yaml', key: 'b.suffix', from: 'one', to: 'two' }]) },
    ]);
    expect((await repro(d, 'status')).stdout).toContain('param changed: b.suffix one -> two');
    expect((await runJson(d)).by.b).toBe('executed');
    await writeFile(join(d, 'params.yaml'), 'b:\n  suffix: one\n');
    const back = await runJson(d);
    expect(back.by.b).toBe('restored');
    expect(await read(d, 'b.txt')).toBe('hello\none\n');
  });

  it('a run-cache hit records only the declared outputs of its stage, whatever else the entry names', async () => {
    const d = await repo(CHAIN);
    await runJson(d);
    await writeFile(join(d, 'params.yaml'), 'b:\n  suffix: two\n');
    await runJson(d);
    // An entry as a shared remote could serve it (repro fetch --run-cache): one path too many.
    const journal = join(d, '.repro', 'runcache.jsonl');
    const lines = (await read(d, '.repro/runcache.jsonl')).trim().split('\n');
    const padded = lines.map((l) => {
      const e = JSON.parse(l);
      return JSON.stringify({ k: e.k, o: { ...e.o, 'src/planted.py': Object.values(e.o)[0] } });
    });
    await writeFile(journal, padded.join('\n') + '\n');
    await writeFile(join(d, 'params.yaml'), 'b:\n  suffix: one\n');
    const back = await runJson(d);
    expect(back.by.b).toBe('restored');
    expect(Object.keys(back.body.stages.find((s: { name: string }) => s.name === 'b').outs)).toEqual(['b.txt']);
    expect(await read(d, 'repro.lock')).not.toContain('planted');
  });

  it('the run cache survives a torn journal line (a run killed mid-append)', async () => {
    const d = await repo(CHAIN);
    await runJson(d);
    await writeFile(join(d, 'params.yaml'), 'b:\n  suffix: two\n');
    await runJson(d);
    await appendFile(join(d, '.repro', 'runcache.jsonl'), '{"k":"torn');
    await writeFile(join(d, 'params.yaml'), 'b:\n  suffix: one\n');
    expect((await runJson(d)).by.b).toBe('restored');
    await writeFile(join(d, 'params.yaml'), 'b:\n  suffix: three\n');
    expect((await runJson(d)).by.b).toBe('executed'); // appended after the torn line
    await writeFile(join(d, 'params.yaml'), 'b:\n  suffix: two\n');
    expect((await runJson(d)).by.b).toBe('restored');
    await writeFile(join(d, 'params.yaml'), 'b:\n  suffix: three\n');
    expect((await runJson(d)).by.b).toBe('restored');
  });

  it('-S writes the override into params.yaml and runs with it', async () => {
    const d = await repo(CHAIN);
    const r = await runJson(d, '-S', 'b.suffix=three');
    expect(r.by.b).toBe('executed');
    expect(await read(d, 'params.yaml')).toContain('suffix: three');
    expect(await read(d, 'b.txt')).toBe('hello\nthree\n');
  });

  it('writes a byte-identical lock for identical results', async () => {
    const d = await repo(CHAIN);
    await runJson(d);
    const lock1 = await read(d, 'repro.lock');
    await runJson(d, '--force');
    expect(await read(d, 'repro.lock')).toBe(lock1);
    expect(lock1).not.toMatch(/20\d\d-\d\d-\d\dT/); // no timestamps
  });

  it('passes the seed as REPRO_SEED, PYTHONHASHSEED and ${seed}', async () => {
    const d = await repo({
      'repro.yaml': `version: 1
seed: 7
stages:
  s:
    cmd: echo "$REPRO_SEED $PYTHONHASHSEED \${seed}" > seed.txt
    outs: [seed.txt]
  t:
    cmd: echo "[$REPRO_SEED]" > t.txt
    seed: false
    outs: [t.txt]
`,
    });
    await runJson(d);
    expect(await read(d, 'seed.txt')).toBe('7 7 7\n');
    expect(await read(d, 't.txt')).toBe('[]\n');
    const r = await runJson(d, '--seed', '9');
    expect(r.by).toEqual({ s: 'executed', t: 'up-to-date' });
    expect(await read(d, 'seed.txt')).toBe('9 9 9\n');
  });

  it('a failing stage: exit 1, its stderr tail, independent stages finish, downstream does not run, lock keeps the last good entry', async () => {
    const d = await repo({
      'mode.txt': 'ok\n',
      'repro.yaml': `version: 1
stages:
  flaky:
    cmd: "grep -q ok mode.txt || { echo 'it broke' >&2; exit 3; }; cp mode.txt flaky.txt"
    deps: [mode.txt]
    outs: [flaky.txt]
  after:
    cmd: cp flaky.txt after.txt
    deps: [flaky.txt]
    outs: [after.txt]
  other:
    cmd: "echo \${seed} > other.txt"
    deps: [mode.txt]
    outs: [other.txt]
`,
    });
    await runJson(d);
    const goodLock = await read(d, 'repro.lock');
    await writeFile(join(d, 'mode.txt'), 'bad\n');
    const r = await repro(d, 'run', '--no-record');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('FAILED    flaky: command exited with code 3');
    expect(r.stdout).toContain('it broke');
    expect(r.stdout).toMatch(/not run\s+after/);
    const lock = await read(d, 'repro.lock');
    const entry = (text: string, name: string) => text.split(/\n {2}(?=\S)/).find((b) => b.startsWith(`${name}:`));
    expect(entry(lock, 'flaky')).toBe(entry(goodLock, 'flaky'));
    expect(entry(lock, 'other')).not.toBe(entry(goodLock, 'other'));
  });

  it('fails a stage whose declared output was not produced', async () => {
    const d = await repo({ 'repro.yaml': 'version: 1\nstages:\n  s:\n    cmd: "true"\n    outs: [never.txt]\n' });
    const r = await runJson(d);
    expect(r.code).toBe(1);
    expect(r.body.stages[0].error).toContain("declared output was not produced: 'never.txt'");
  });

  it('a dependency that exists nowhere fails the stage before its command runs, naming it', async () => {
    const d = await repo({
      'repro.yaml':
        'version: 1\nstages:\n  s:\n    cmd: touch ran.txt; cp nothere.txt out.txt\n    deps: [nothere.txt]\n    outs: [out.txt]\n',
    });
    const r = await runJson(d);
    expect(r.code).toBe(1);
    expect(r.body.stages[0].error).toBe("dependency missing: 'nothere.txt' (repro.yaml:5)");
    expect(existsSync(join(d, 'ran.txt'))).toBe(false);
    expect((await repro(d, 'status')).stdout).toContain("dep missing: 'nothere.txt'");
  });

  it('runs independent stages in parallel with -j 2', async () => {
    // A rendezvous: each stage marks its start and waits (at most 20 s) for the other's, so both
    // succeed only if they ran at the same time; one after the other, the first gives up.
    const stageYaml = (n: string, other: string) => `  ${n}:
    cmd: "touch ${n}.started; i=0; while [ ! -e ${other}.started ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i+1)); done; [ -e ${other}.started ] && echo met > ${n}.out"
    outs: [${n}.out]
`;
    const d = await repo({ 'repro.yaml': `version: 1\nstages:\n${stageYaml('x', 'y')}${stageYaml('y', 'x')}` });
    const r = await runJson(d, '-j', '2');
    expect(r.code, 'the two stages did not run at the same time').toBe(0);
    expect([await read(d, 'x.out'), await read(d, 'y.out')]).toEqual(['met\n', 'met\n']);
  });

  // -j is enforced by repro-spawner's queue, or by the scheduler when stages start through node.
  for (const spawner of ['helper', 'node'] as const) {
    it(`never runs more than -j commands at once (${spawner})`, async () => {
      const stage = (n: string) => `  ${n}:
    cmd: "touch run.${n}; ls run.* | wc -l >> counts; sleep 0.3; rm run.${n}; touch ${n}.done"
    outs: [${n}.done]
`;
      const d = await repo({ 'repro.yaml': `version: 1\nstages:\n${['a', 'b', 'c', 'd', 'e'].map(stage).join('')}` });
      if (spawner === 'node') process.env.REPRO_SPAWNER = 'node';
      try {
        for (const j of ['1', '2']) {
          await rm(join(d, 'counts'), { force: true });
          const r = await runJson(d, '-j', j, '--force');
          expect(r.code).toBe(0);
          const counts = (await read(d, 'counts')).trim().split('\n').map(Number);
          expect(counts).toHaveLength(5);
          expect(Math.max(...counts)).toBeLessThanOrEqual(Number(j));
        }
      } finally {
        delete process.env.REPRO_SPAWNER;
      }
    });
  }

  it('a stage that cannot start ends the run: nothing more starts after it', async () => {
    const d = await repo({
      notadir: 'a file where a directory should be\n',
      'repro.yaml':
        'version: 1\nstages:\n  a:\n    cmd: touch a.txt\n    wdir: notadir\n  b:\n    cmd: sleep 0.5; touch b.txt\n    outs: [b.txt]\n  c:\n    cmd: touch c.txt\n    deps: [b.txt]\n    outs: [c.txt]\n',
    });
    const r = await repro(d, 'run', '-j', '2');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('notadir');
    expect(existsSync(join(d, 'c.txt'))).toBe(false);
  });

  it('checkout restores outputs from the cache without running', async () => {
    const d = await repo(CHAIN);
    await runJson(d);
    await rm(join(d, 'b.txt'));
    await writeFile(join(d, 'a.txt'), 'tampered\n');
    // The edit is in no cache: checkout refuses (test/ops/checkout.test.ts) unless --force.
    const r = await repro(d, 'checkout', '--force', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).restored.sort()).toEqual(['a.txt', 'b.txt']);
    expect(await read(d, 'a.txt')).toBe('hello\n');
    expect(await read(d, 'b.txt')).toBe('hello\none\n');
  });

  it('directory outputs are hashed as a whole and restored', async () => {
    const d = await repo({
      'repro.yaml': 'version: 1\nstages:\n  mk:\n    cmd: "mkdir -p out/sub && echo 1 > out/a && echo 2 > out/sub/b"\n    outs: [out/]\n',
    });
    const r = await runJson(d);
    expect(r.body.stages[0].outs['out'].hash).toMatch(/^[0-9a-f]{64}\.dir$/);
    expect(r.body.stages[0].outs['out'].nfiles).toBe(2);
    await rm(join(d, 'out'), { recursive: true });
    expect((await repro(d, 'checkout')).code).toBe(0);
    expect(await read(d, 'out/sub/b')).toBe('2\n');
  });

  it('takes over a stale repository lock and refuses a live one', async () => {
    const d = await repo(CHAIN);
    writeTree(d, { '.repro/lock': JSON.stringify({ pid: 999999, host: (await import('node:os')).hostname(), started: '' }) });
    const r = await repro(d, 'run', '--no-record');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('stale lock');
    expect(existsSync(join(d, '.repro/lock'))).toBe(false);
    writeTree(d, { '.repro/lock': JSON.stringify({ pid: process.pid, host: (await import('node:os')).hostname(), started: '' }) });
    const r2 = await repro(d, 'run', '--no-record');
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain('repository is locked');
  });

  it('--dry shows what would run and runs nothing', async () => {
    const d = await repo(CHAIN);
    const r = await repro(d, 'run', '--dry');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('would run a: never run');
    expect(existsSync(join(d, 'a.txt'))).toBe(false);
    expect(existsSync(join(d, 'repro.lock'))).toBe(false);
  });

  it('runs only the named stage and its upstream; --downstream runs what follows', async () => {
    const d = await repo(CHAIN);
    const r = await runJson(d, 'a');
    expect(r.by).toEqual({ a: 'executed' });
    await writeFile(join(d, 'in.txt'), 'changed\n');
    const r2 = await runJson(d, '--downstream', 'a');
    expect(r2.by).toEqual({ a: 'executed', b: 'executed' });
  });
});

describe('repro run: bad input', () => {
  it('bad YAML names file:line:col and exits 2', async () => {
    const d = await repo({ 'repro.yaml': 'version: 1\nstages:\n  a:\n    cmd: [unclosed\n' });
    const r = await repro(d, 'run');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: repro\.yaml:\d+:\d+: /m);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('an unknown key is an error with the nearest valid key as a hint', async () => {
    const d = await repo({ 'repro.yaml': 'version: 1\nstages:\n  a:\n    cmd: "true"\n    dep: [x]\n' });
    const r = await repro(d, 'run');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('repro.yaml:5:5');
    expect(r.stderr).toMatch(/hint: .*deps/);
  });

  it('a cycle is an error naming the cycle', async () => {
    const d = await repo({
      'repro.yaml':
        'version: 1\nstages:\n  a:\n    cmd: cp b a\n    deps: [b]\n    outs: [a]\n  b:\n    cmd: cp a b\n    deps: [a]\n    outs: [b]\n',
    });
    const r = await repro(d, 'run', '--json');
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error.code).toBe('E_CYCLE');
    expect(r.stderr).toMatch(/a -> b -> a|b -> a -> b/);
  });

  it('paths leaving the repository are errors', async () => {
    for (const p of ['/etc/passwd', '../outside.txt']) {
      const d = await repo({ 'repro.yaml': `version: 1\nstages:\n  a:\n    cmd: "true"\n    deps: ["${p}"]\n` });
      const r = await repro(d, 'run', '--json');
      expect(r.code).toBe(2);
      expect(JSON.parse(r.stdout).error.code).toBe('E_PATH_ESCAPE');
    }
  });

  it('outside a Git repository: a clear error with a hint', async () => {
    const { mkdtemp } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const d = await mkdtemp(join(tmpdir(), 'repro-nogit-'));
    dirs.push(d);
    const r = await repro(d, 'run');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('not a git repository');
    expect(r.stderr).toContain("hint: run 'git init'");
  });

  it('a missing repro.yaml suggests repro init', async () => {
    const d = await repo({ 'x.txt': 'x' });
    const r = await repro(d, 'status');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('repro init');
  });
});

describe('repro init', () => {
  it('writes the template, ignores .repro/, and keeps existing files', async () => {
    const d = await repo({ 'params.yaml': 'mine: 1\n' });
    const r = await repro(d, 'init', '--json');
    expect(r.code).toBe(0);
    const body = JSON.parse(r.stdout);
    expect(body.written).toContain('repro.yaml');
    expect(body.skipped).toEqual(['params.yaml']);
    expect(await read(d, 'params.yaml')).toBe('mine: 1\n');
    expect(await read(d, '.gitignore')).toMatch(/^\/\.repro$/m);
    expect((await stat(join(d, '.exprc'))).isFile()).toBe(true);
    git(d, 'status');
  });
});
