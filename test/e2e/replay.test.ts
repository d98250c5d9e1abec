import { describe, it, expect } from 'vitest';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repro, git, tempRepos } from '../helpers/repo.js';
import { findRepo, newRunId, readCommitFile, snapshotTree, writeRunCommit } from '../../src/record/index.js';
import { RECORD_PATH } from '../../src/ops/records/write.js';
import { openContext } from '../../src/ops/context.js';
import { rerunIsolated } from '../../src/ops/isolated/engine.js';
import { readLock } from '../../src/lock/index.js';

// `repro replay` and the isolated re-run engine under it (also used by `repro verify --rerun`).
const { dirs, repo } = tempRepos();

async function runId(dir: string, ...args: string[]): Promise<string> {
  const r = await repro(dir, 'run', '--json', ...args);
  expect(r.code, r.stderr).toBeLessThanOrEqual(1);
  return JSON.parse(r.stdout).run_id;
}

async function replay(dir: string, ...args: string[]): Promise<{ code: number; body: any; stderr: string }> {
  const r = await repro(dir, 'replay', '--json', ...args);
  return { code: r.code, body: JSON.parse(r.stdout), stderr: r.stderr };
}

const outcomes = (body: any) => Object.fromEntries(body.outputs.map((o: any) => [o.path, o.outcome]));
const actions = (body: any) => Object.fromEntries(body.stages.map((s: any) => [s.name, s.action]));

/** Every file under `dir` with its size and mtime: what must not change. */
function fingerprintTree(dir: string, rel = ''): string[] {
  return readdirSync(join(dir, rel), { withFileTypes: true }).flatMap((e) => {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (p === '.git') return [];
    if (e.isDirectory()) return fingerprintTree(dir, p);
    const st = statSync(join(dir, p));
    return [`${p} ${st.size} ${st.mtimeMs}`];
  });
}

const CHAIN = {
  'in.txt': 'b\na\nc\n',
  'repro.yaml': `version: 1
seed: 5
stages:
  prep:
    cmd: sort in.txt > prep.txt
    deps: [in.txt]
    outs: [prep.txt]
  train:
    cmd: "cat prep.txt > model.txt && echo seed=$REPRO_SEED >> model.txt && echo \\"{\\\\\\"acc\\\\\\": 0.5, \\\\\\"seed\\\\\\": $REPRO_SEED}\\" > m.json"
    deps: [prep.txt]
    outs: [model.txt]
    metrics: [m.json]
`,
};

describe('repro replay', () => {
  it('reproduces a deterministic run in a temp dir, exit 0, the workspace untouched', async () => {
    const d = await repo(CHAIN);
    const id = await runId(d);
    const before = fingerprintTree(d);
    const status = git(d, 'status', '--porcelain');
    const r = await replay(d, id);
    expect(r.code).toBe(0);
    expect(r.body.ok).toBe(true);
    expect(r.body.run).toEqual({
      id,
      commit: git(d, 'rev-parse', `refs/repro/runs/${id}`).trim(),
      source_commit: git(d, 'rev-parse', 'HEAD').trim(),
    });
    expect(actions(r.body)).toEqual({ prep: 'executed', train: 'executed' });
    expect(outcomes(r.body)).toEqual({ 'prep.txt': 'identical', 'model.txt': 'identical', 'm.json': 'identical' });
    expect(r.body.kept).toBe(false);
    expect(r.body.dir.startsWith(d)).toBe(false);
    expect(existsSync(r.body.dir)).toBe(false);
    expect(r.body.env_diff).toEqual([]);
    // The --json shape (docs/records.md).
    expect(Object.keys(r.body)).toEqual(['run', 'env_diff', 'ok', 'interrupted', 'dir', 'kept', 'stages', 'outputs']);
    expect(Object.keys(r.body.stages[0])).toEqual([
      'name',
      'action',
      'requested',
      'seed',
      'exit_code',
      'duration_ms',
      'error',
      'stderr_tail',
      'input_changes',
    ]);
    expect(r.body.outputs[0]).toEqual({
      stage: 'prep',
      path: 'prep.txt',
      kind: 'out',
      outcome: 'identical',
      expected: { hash: expect.stringMatching(/^[0-9a-f]{64}$/), size: 6 },
      actual: { hash: r.body.outputs[0].expected.hash, size: 6 },
      detail: null,
      note: null,
    });
    expect(fingerprintTree(d)).toEqual(before);
    expect(git(d, 'status', '--porcelain')).toBe(status);
    const text = await repro(d, 'replay', id);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('3 outputs: 3 identical: reproduced');
    expect(text.stderr).toContain("running 'train'");
  });

  it('reports a differing text output with a diff whose volatile lines are flagged; exit 1', async () => {
    const d = await repo({
      'repro.yaml': `version: 1
stages:
  stamp:
    cmd: "echo result 42 > out.txt && date +%Y-%m-%dT%H:%M:%S.%N >> out.txt"
    outs: [out.txt]
`,
    });
    const id = await runId(d);
    const r = await replay(d, id);
    expect(r.code).toBe(1);
    expect(r.body.ok).toBe(false);
    const out = r.body.outputs[0];
    expect(out).toMatchObject({ stage: 'stamp', path: 'out.txt', kind: 'out', outcome: 'differs' });
    expect(out.detail.kind).toBe('text');
    expect(out.detail.diff.slice(0, 4)).toEqual(['--- expected/out.txt', '+++ actual/out.txt', '@@ -1,2 +1,2 @@', ' result 42']);
    expect(out.detail.first_line).toBe(2);
    expect(out.detail.volatile.map((v: any) => v.kinds)).toEqual([['timestamp'], ['timestamp']]);
    const text = (await repro(d, 'replay', id)).stdout;
    expect(text).toMatch(/^ {2}DIFFERS +out\.txt {2}\(stamp\) {2}[0-9a-f]{8} -> [0-9a-f]{8}$/m);
    expect(text).toMatch(/^ {6}-\d{4}-\d\d-\d\dT[\d:.]+ {4}<- looks volatile: timestamp$/m);
    expect(text).toContain('1 output: 1 differs: NOT reproduced');
  });

  it('replays with the recorded seed (--seed) and cmd, not the current repro.yaml', async () => {
    const d = await repo(CHAIN);
    const id = await runId(d, '--seed', '9');
    await writeFile(join(d, 'repro.yaml'), CHAIN['repro.yaml'].replace('seed: 5', 'seed: 6').replace('sort in.txt', 'sort -r in.txt'));
    const r = await replay(d, id);
    expect(r.code).toBe(0);
    expect(r.body.stages.map((s: any) => s.seed)).toEqual([9, 9]);
  });

  it('--stage re-runs one stage, restoring its upstream from the cache; without the cache, upstream re-runs too', async () => {
    const d = await repo(CHAIN);
    const id = await runId(d);
    const r = await replay(d, id, '--stage', 'train');
    expect(r.code).toBe(0);
    expect(r.body.stages.map((s: any) => [s.name, s.action, s.requested])).toEqual([
      ['prep', 'restored', false],
      ['train', 'executed', true],
    ]);
    expect(Object.keys(outcomes(r.body))).toEqual(['model.txt', 'm.json']);
    await rm(join(d, '.repro', 'cache'), { recursive: true });
    const again = await replay(d, id, '--stage', 'train');
    expect(again.code).toBe(0);
    expect(again.body.stages.map((s: any) => [s.name, s.action, s.requested])).toEqual([
      ['prep', 'executed', false],
      ['train', 'executed', true],
    ]);
    const bad = await replay(d, id, '--stage', 'nope');
    expect(bad.code).toBe(2);
    expect(bad.body.error.code).toBe('E_NOT_FOUND');
  });

  it('--keep DIR keeps the replay directory with the re-produced outputs', async () => {
    const d = await repo(CHAIN);
    const id = await runId(d);
    const keep = await mkdtemp(join(tmpdir(), 'repro-keep-'));
    dirs.push(keep);
    const r = await replay(d, id, '--keep', keep);
    expect(r.body).toMatchObject({ ok: true, kept: true, dir: keep });
    expect(await readFile(join(keep, 'prep.txt'), 'utf8')).toBe('a\nb\nc\n');
    expect(existsSync(join(keep, RECORD_PATH))).toBe(true);
    const notEmpty = await replay(d, id, '--keep', keep);
    expect(notEmpty.code).toBe(2);
    expect(notEmpty.body.error.code).toBe('E_USAGE');
  });

  it('an untracked source dep is in the run snapshot, so a later workspace edit does not change the replay', async () => {
    const d = await repo({ ...CHAIN, '.gitignore': 'in.txt\n' }); // in.txt: data kept out of Git
    expect(git(d, 'ls-files')).not.toContain('in.txt');
    const id = await runId(d);
    expect(git(d, 'ls-tree', '-r', '--name-only', `refs/repro/runs/${id}`)).toContain('in.txt');
    await writeFile(join(d, 'in.txt'), 'z\ny\n');
    const r = await replay(d, id);
    expect(r.code, JSON.stringify(r.body)).toBe(0);
    expect(outcomes(r.body)).toEqual({ 'prep.txt': 'identical', 'model.txt': 'identical', 'm.json': 'identical' });
  });

  it('warns, naming the fields, when the recorded environment differs from this machine', async () => {
    const d = await repo(CHAIN);
    const id = await runId(d);
    // The same run, recorded as if on another machine.
    const r = await findRepo(d);
    const commit = git(d, 'rev-parse', `refs/repro/runs/${id}`).trim();
    const rec = JSON.parse(Buffer.from((await readCommitFile(r, commit, RECORD_PATH))!).toString());
    rec.env.node = 'v0.0.1';
    rec.env.cpu.count = 512;
    const lock = Buffer.from((await readCommitFile(r, commit, 'repro.lock'))!).toString();
    const other = newRunId();
    rec.id = other;
    const tree = await snapshotTree({ repo: r, extraFiles: { 'repro.lock': lock, [RECORD_PATH]: JSON.stringify(rec, null, 2) } });
    await writeRunCommit({ repo: r, runId: other, tree, message: 'elsewhere', parents: [r.head!] });
    const res = await repro(d, 'replay', other);
    expect(res.code).toBe(0);
    expect(res.stderr).toContain('warning: the environment differs from the recorded one: cpu.count, node');
    const j = await replay(d, other);
    expect(j.body.env_diff).toEqual([
      { field: 'cpu.count', a: '512', b: expect.any(String) },
      { field: 'node', a: 'v0.0.1', b: process.version },
    ]);
  });

  it('a run whose stages all failed has nothing to replay', async () => {
    const d = await repo({ 'repro.yaml': 'version: 1\nstages:\n  s:\n    cmd: exit 1\n    outs: [x]\n' });
    const id = await runId(d);
    const r = await replay(d, id);
    expect(r.code).toBe(2);
    expect(r.body.error).toMatchObject({ code: 'E_NOT_FOUND', message: `run has no stage that succeeded, nothing to replay: '${id}'` });
  });
});

describe('rerunIsolated: outcomes and details', () => {
  /** Run in the workspace, commit, then re-run isolated from HEAD against repro.lock. */
  async function rerunHead(files: Record<string, string>, stages?: string[]) {
    const d = await repo(files);
    const r = await repro(d, 'run', '--no-record');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    git(d, 'add', '-A');
    git(d, 'commit', '-qm', 'ran');
    const ctx = await openContext(d);
    const res = await rerunIsolated({ ctx, tree: git(d, 'rev-parse', 'HEAD').trim(), lock: await readLock(d), stages });
    return { d, res };
  }

  const NOISY = (tolerance: string) => ({
    'repro.yaml': `version: 1
stages:
  fit:
    cmd: "od -An -N8 -tx1 /dev/urandom > model.bin && echo \\"{\\\\\\"acc\\\\\\": 0.9$(( $(od -An -N1 -tu1 /dev/urandom) % 5 ))}\\" > m.json"
    outs: [model.bin]
    metrics: [m.json]
    deterministic: false
    tolerance: { "m.json:acc": ${tolerance} }
`,
  });

  it('deterministic: false: metrics within tolerance make the stage reproduce, other outputs may differ', async () => {
    const { res } = await rerunHead(NOISY('0.1'));
    expect(res.ok).toBe(true);
    const model = res.outputs.find((o) => o.path === 'model.bin')!;
    // 8 random bytes: the re-run's model.bin differs (identical odds: 2^-64).
    expect(model).toMatchObject({
      outcome: 'within-tolerance',
      note: 'deterministic: false: bytes may differ; judged by the stage metrics',
    });
    const m = res.outputs.find((o) => o.path === 'm.json')!;
    expect(['identical', 'within-tolerance']).toContain(m.outcome);
  });

  it('deterministic: false with metrics outside tolerance: differs, values side by side', async () => {
    const files = {
      'repro.yaml': `version: 1
stages:
  fit:
    cmd: "echo \\"{\\\\\\"acc\\\\\\": $(cat acc.txt), \\\\\\"n\\\\\\": 3}\\" > m.json && date +%N > model.bin"
    deps: [acc.txt]
    outs: [model.bin]
    metrics: [m.json]
    deterministic: false
    tolerance: { "m.json:acc": 0.01 }
`,
      'acc.txt': '0.9',
    };
    const d = await repo(files);
    await repro(d, 'run', '--no-record');
    git(d, 'add', '-A');
    git(d, 'commit', '-qm', 'ran');
    const head = git(d, 'rev-parse', 'HEAD').trim();
    const lock = await readLock(d);
    // The recorded metric says 0.9; make the isolated re-run compute 0.95 by editing the tree it runs.
    await writeFile(join(d, 'acc.txt'), '0.95');
    git(d, 'commit', '-qam', 'acc moves');
    const ctx = await openContext(d);
    const res = await rerunIsolated({ ctx, tree: git(d, 'rev-parse', 'HEAD').trim(), lock });
    expect(head).not.toBe(git(d, 'rev-parse', 'HEAD').trim());
    expect(res.ok).toBe(false);
    expect(res.stages[0]!.input_changes).toEqual([
      { path: 'acc.txt', expected: lock.stages.fit!.deps['acc.txt'], actual: expect.any(String) },
    ]);
    const m = res.outputs.find((o) => o.path === 'm.json')!;
    expect(m.outcome).toBe('differs');
    expect(m.detail).toEqual({
      kind: 'metrics',
      rows: [
        { key: 'acc', expected: 0.9, actual: 0.95, tolerance: 0.01, within: false },
        { key: 'n', expected: 3, actual: 3, tolerance: 0, within: true },
      ],
      all_within: false,
    });
    const model = res.outputs.find((o) => o.path === 'model.bin')!;
    expect(model).toMatchObject({ outcome: 'differs', note: 'deterministic: false: bytes may differ; judged by the stage metrics' });
  });

  it('binary outputs: the first differing byte and sizes', async () => {
    const { res } = await rerunHead({
      'repro.yaml': `version: 1
stages:
  bin:
    cmd: "printf 'AB\\\\000' > blob.bin && date +%N >> blob.bin"
    outs: [blob.bin]
`,
    });
    expect(res.ok).toBe(false);
    expect(res.outputs[0]!.detail).toMatchObject({
      kind: 'binary',
      offset: expect.any(Number),
      expected_size: expect.any(Number),
      actual_size: expect.any(Number),
    });
    expect((res.outputs[0]!.detail as { offset: number }).offset).toBeGreaterThanOrEqual(3);
  });

  it('directory outputs: which files changed, and what differs in the first', async () => {
    const { res } = await rerunHead({
      'repro.yaml': `version: 1
stages:
  mk:
    cmd: "mkdir -p out/sub && echo same > out/a.txt && echo run $(date +%N) > out/sub/b.txt"
    outs: [out/]
`,
    });
    expect(res.ok).toBe(false);
    const o = res.outputs[0]!;
    expect(o.outcome).toBe('differs');
    expect(o.detail).toMatchObject({
      kind: 'dir',
      added: [],
      removed: [],
      changed: ['sub/b.txt'],
      first: { path: 'sub/b.txt', detail: { kind: 'text' } },
    });
  });

  it('a declared output the re-run did not produce is missing', async () => {
    const d = await repo({
      'repro.yaml': 'version: 1\nstages:\n  s:\n    cmd: "test -f flag && echo x > out.txt || true"\n    outs: [out.txt]\n',
      '.gitignore': 'flag\n',
    });
    await writeFile(join(d, 'flag'), '');
    expect((await repro(d, 'run', '--no-record')).code).toBe(0);
    git(d, 'add', '-A');
    git(d, 'commit', '-qm', 'ran');
    const res = await rerunIsolated({ ctx: await openContext(d), tree: git(d, 'rev-parse', 'HEAD').trim(), lock: await readLock(d) });
    expect(res.ok).toBe(false);
    expect(res.outputs.map((o) => [o.path, o.outcome, o.actual])).toEqual([['out.txt', 'missing', null]]);
  });

  it('a file whose locked content cannot be diffed says why: over the read limit, or not in the local cache', async () => {
    const d = await repo({ 'repro.yaml': 'version: 1\nstages:\n  s:\n    cmd: date +%N > out.txt\n    outs: [out.txt]\n' });
    expect((await repro(d, 'run', '--no-record')).code).toBe(0);
    git(d, 'add', '-A');
    git(d, 'commit', '-qm', 'ran');
    const ctx = await openContext(d);
    const tree = git(d, 'rev-parse', 'HEAD').trim();
    const lock = await readLock(d);
    const rec = lock.stages.s!.out_hashes['out.txt']!;
    const big = structuredClone(lock);
    big.stages.s!.out_hashes['out.txt']!.size = 100 * 1024 * 1024; // as recorded for a 100 MiB file
    const over = await rerunIsolated({ ctx, tree, lock: big });
    expect(over.outputs[0]).toMatchObject({
      outcome: 'differs',
      detail: { kind: 'hash', reason: 'the locked content (100 MiB) is over the 64 MiB read limit for a content diff' },
    });
    await rm(join(d, '.repro', 'cache', 'objects', rec.hash.slice(0, 2), rec.hash.slice(2)), { force: true });
    const gone = await rerunIsolated({ ctx, tree, lock });
    expect(gone.outputs[0]).toMatchObject({
      outcome: 'differs',
      detail: { kind: 'hash', reason: 'the locked content is not in the local cache' },
    });
  });

  it('accepts a tree id as well as a commit', async () => {
    const { d } = await rerunHead(CHAIN);
    const tree = git(d, 'rev-parse', 'HEAD^{tree}').trim();
    const res = await rerunIsolated({ ctx: await openContext(d), tree, lock: await readLock(d), stages: ['prep'] });
    expect(res.ok).toBe(true);
    expect(res.outputs.map((o) => o.outcome)).toEqual(['identical']);
  });
});
