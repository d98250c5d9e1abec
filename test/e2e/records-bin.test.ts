import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { testRepo, reproBin, git, tempRepos } from '../helpers/repo.js';

// Run records through the real binary (dist/: `npm test` builds first): secrets never reach Git,
// and two `repro run` processes at once both keep their records.
const { dirs } = tempRepos();

const GH = 'ghp_' + 'Zq7Lm2Xv9Rt4Wb6Yc1Nd8Kf3Hs5Jp0Ga2Ue4';
const SECRETS = {
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYqq11SECRET',
  GITHUB_TOKEN: GH,
  DATABASE_URL: 'postgres://u:hunter2pass@h/db',
  // Captured by `env.capture: ['*']`: secret by name, and one secret only by its value.
  MY_SERVICE_PASSWORD: 'correct-horse-battery-staple-42',
  UPSTREAM_MIRROR: 'https://builder:s3cr3tMirrorPw@mirror.example/simple',
};
const PLAIN = { PLAIN_SETTING: 'plain-value-recorded-77' };

/** The content of every object reachable from any ref (refs/repro/runs/* included), concatenated. */
function allObjects(dir: string): string {
  const oids = git(dir, 'rev-list', '--objects', '--all')
    .split('\n')
    .map((l) => l.split(' ')[0])
    .filter((x): x is string => Boolean(x));
  const out = execFileSync('git', ['cat-file', '--batch'], { cwd: dir, input: oids.join('\n') + '\n', maxBuffer: 256 * 1024 * 1024 });
  expect(oids.length).toBeGreaterThan(5);
  return out.toString('latin1');
}

describe('secrets', () => {
  it('no secret value from the environment reaches any Git object, even when a failing stage prints them', async () => {
    const d = await testRepo({
      'repro.yaml': `version: 1
env:
  capture: ['*']
stages:
  fine:
    cmd: echo ok > fine.txt
    outs: [fine.txt]
  leak:
    cmd: "echo \\"connecting to $DATABASE_URL as $GITHUB_TOKEN key $AWS_SECRET_ACCESS_KEY pw $MY_SERVICE_PASSWORD via $UPSTREAM_MIRROR\\" >&2; exit 1"
    deps: [fine.txt]
    outs: [never.txt]
`,
    });
    dirs.push(d);
    const r = await reproBin(d, ['run', '-m', `deploy with ${GH}`], { env: { ...SECRETS, ...PLAIN } });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/recorded run \S+/);
    const id = /recorded run (\S+)/.exec(r.stdout)![1]!;

    const objects = allObjects(d);
    // The scan did see the record, the lock and the redacted stderr tail.
    expect(objects).toContain(`"id": "${id}"`);
    expect(objects).toContain('connecting to');
    expect(objects).toContain('PLAIN_SETTING: plain-value-recorded-77'); // captured, in the lock
    expect(objects).toContain('MY_SERVICE_PASSWORD: "[redacted]"');
    for (const [name, value] of Object.entries(SECRETS)) {
      expect(objects.includes(value), `${name} leaked into a git object`).toBe(false);
    }
    for (const part of ['hunter2pass', 's3cr3tMirrorPw', 'Zq7Lm2Xv9Rt4Wb6Yc1Nd8Kf3Hs5Jp0Ga2Ue4']) expect(objects).not.toContain(part);
    const show = await reproBin(d, ['show', id, '--json']);
    const rec = JSON.parse(show.stdout).record;
    expect(rec.stages.leak.stderr_tail[0]).toBe('connecting to [redacted] as [redacted] key [redacted] pw [redacted] via [redacted]');
    expect(rec.message).toBe('deploy with [redacted]');
    expect(rec.stages.fine.components.env).toMatchObject({
      PLAIN_SETTING: 'plain-value-recorded-77',
      GITHUB_TOKEN: '[redacted]',
      UPSTREAM_MIRROR: '[redacted]',
    });
  });
});

describe('concurrent runs', () => {
  it('two repro run processes on two worktrees of one repository both record their run', async () => {
    const d = await testRepo({
      'in.txt': 'x\n',
      'repro.yaml': `version: 1
stages:
  slow:
    cmd: "sleep 0.4 && cp in.txt out.txt && date +%s%N > started.txt"
    deps: [in.txt]
    outs: [out.txt, started.txt]
`,
    });
    const wt = `${d}-wt`;
    dirs.push(wt, d);
    git(d, 'worktree', 'add', '-q', '-b', 'other', wt);
    const [a, b] = await Promise.all([reproBin(d, ['run', '--json', '-m', 'A']), reproBin(wt, ['run', '--json', '-m', 'B'])]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const ids = [JSON.parse(a.stdout).run_id, JSON.parse(b.stdout).run_id];
    expect(ids[0]).not.toBe(ids[1]);
    const refs = git(d, 'for-each-ref', '--format=%(refname)', 'refs/repro/runs/').trim().split('\n').sort();
    expect(refs).toEqual(ids.map((i) => `refs/repro/runs/${i}`).sort());
    // Both show up from either worktree, with their own message and branch.
    const all = JSON.parse((await reproBin(wt, ['log', '--all', '--json'])).stdout);
    expect(all.runs.map((r: any) => r.message).sort()).toEqual(['A', 'B']);
    const shown = await Promise.all(
      ids.map(async (id) => JSON.parse((await reproBin(d, ['show', id, '--json'])).stdout).record.source.branch),
    );
    expect(shown).toEqual(['main', 'other']);
    git(d, 'fsck', '--no-dangling');
  });

  it('two at once in one worktree: one runs, the other is refused on the repository lock, nothing is lost', async () => {
    // The first holds the lock while its stage waits for a file the test writes: no race on timing.
    const d = await testRepo({
      'repro.yaml':
        'version: 1\nstages:\n  s:\n    cmd: "touch started; while [ ! -f go ]; do sleep 0.05; done; date +%s%N > o.txt"\n    outs: [o.txt]\n',
    });
    dirs.push(d);
    const first = reproBin(d, ['run', '--json']);
    const deadline = Date.now() + 20_000;
    while (!existsSync(join(d, 'started')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const second = await reproBin(d, ['run', '--json']);
    writeFileSync(join(d, 'go'), '');
    const a = await first;
    expect(a.code, a.stderr).toBe(0);
    expect(second.code).toBe(1);
    expect(JSON.parse(second.stdout).error.code).toBe('E_LOCKED');
    expect(git(d, 'for-each-ref', 'refs/repro/runs/').trim().split('\n')).toHaveLength(1);
  });
});

describe('many runs', () => {
  it('repro log lists 200 runs, from loose and from packed objects', async () => {
    const d = await testRepo({ 'a.txt': 'a\n' });
    dirs.push(d);
    const { findRepo, newRunId, snapshotTree, writeRunCommit } = await import('../../src/record/index.js');
    const { RECORD_PATH } = await import('../../src/ops/records/write.js');
    const repo = await findRepo(d);
    const base = JSON.parse(
      JSON.stringify({
        format: 'repro-run/1',
        message: null,
        argv: ['run'],
        status: 'ok',
        source: { commit: repo.head, branch: 'main', dirty: false },
        seed: null,
        sweep: null,
        metrics: { 'm.json': { acc: 0.5, loss: 1 } },
        locks: {},
        env: { node: process.version },
        stages: {
          s: {
            status: 'executed',
            key: 'k',
            components: null,
            seed: 1,
            exit_code: 0,
            duration_ms: 1,
            outs: {},
            error: null,
            stderr_tail: [],
          },
        },
      }),
    );
    for (let i = 0; i < 200; i++) {
      const id = newRunId();
      const rec = { ...base, id, started_at: new Date().toISOString(), ended_at: new Date().toISOString() };
      const tree = await snapshotTree({
        repo,
        extraFiles: { 'repro.lock': 'schema: 1\nstages: {}\n', [RECORD_PATH]: JSON.stringify(rec) },
      });
      await writeRunCommit({ repo, runId: id, tree, message: 'r', parents: [repo.head!] });
    }
    const r = await reproBin(d, ['log', '--json']);
    expect(JSON.parse(r.stdout).runs).toHaveLength(200);

    git(d, 'gc', '-q'); // packed refs and objects: read through isomorphic-git
    const packed = await reproBin(d, ['log', '--json']);
    expect(JSON.parse(packed.stdout).runs).toHaveLength(200);
    expect(JSON.parse(packed.stdout).runs.map((x: { id: string }) => x.id)).toEqual(
      JSON.parse(r.stdout).runs.map((x: { id: string }) => x.id),
    );
  }, 180_000); // 200 record writes, each ~8 git processes (docs/records.md): minutes on a loaded machine
});
