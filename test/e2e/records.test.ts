import { describe, it, expect } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repro, git, tempRepos } from '../helpers/repo.js';
import { findRepo, newRunId, snapshotTree, writeRunCommit } from '../../src/record/index.js';
import { RECORD_PATH } from '../../src/ops/records/write.js';

// Run records end to end: what `repro run` writes, and `repro log` / `repro show` reading it back.
const { dirs, repo } = tempRepos();

const PIPE = {
  'in.txt': 'hello\n',
  'params.yaml': 'b:\n  suffix: one\n',
  'repro.yaml': `version: 1
seed: 42
stages:
  a:
    cmd: cp in.txt a.txt
    deps: [in.txt]
    outs: [a.txt]
  b:
    cmd: "cat a.txt > b.txt && echo \${b.suffix} >> b.txt && echo '{\\"acc\\": 0.75, \\"loss\\": 0.5, \\"f1\\": 0.25, \\"n\\": 4}' > m.json"
    deps: [a.txt]
    params: [b.suffix]
    outs: [b.txt]
    metrics: [m.json]
`,
};

/** `repro run --json`, returning the run id it recorded. */
async function runRec(dir: string, ...args: string[]): Promise<{ id: string; code: number; body: any }> {
  const r = await repro(dir, 'run', '--json', ...args);
  const body = JSON.parse(r.stdout);
  return { id: body.run_id, code: r.code, body };
}

async function json(dir: string, ...args: string[]): Promise<{ code: number; body: any; stderr: string }> {
  const r = await repro(dir, ...args, '--json');
  return { code: r.code, body: JSON.parse(r.stdout), stderr: r.stderr };
}

describe('repro log', () => {
  it('lists runs on the branch history newest first, with commit, dirty mark, seeds, status and headline metrics', async () => {
    const d = await repo(PIPE);
    const first = await runRec(d, '-m', 'baseline');
    await writeFile(join(d, 'in.txt'), 'changed\n'); // uncommitted edit: the second run is dirty
    const second = await runRec(d, '--seed', '9');
    const head = git(d, 'rev-parse', 'HEAD').trim();

    const { code, body } = await json(d, 'log');
    expect(code).toBe(0);
    expect(body.scope).toBe('history');
    expect(body.total).toBe(2);
    expect(body.runs.map((r: any) => r.id)).toEqual([second.id, first.id]);
    expect(body.runs[1]).toEqual({
      id: first.id,
      commit: expect.stringMatching(/^[0-9a-f]{40}$/),
      source_commit: head,
      dirty: false,
      started_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      ended_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      status: 'ok',
      message: 'baseline',
      seeds: [42],
      headline: [
        { name: 'm.json:acc', value: 0.75 },
        { name: 'm.json:loss', value: 0.5 },
        { name: 'm.json:f1', value: 0.25 },
      ],
      failed_stages: [],
      error: null,
    });
    expect(body.runs[0]).toMatchObject({ dirty: true, seeds: [9], message: null });

    const text = (await repro(d, 'log')).stdout;
    const lines = text.split('\n');
    expect(lines[0]).toMatch(
      new RegExp(
        `^${second.id}  ${head.slice(0, 7)}\\*  \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d  ok +seed 9 +m\\.json: acc=0\\.75  loss=0\\.5  f1=0\\.25$`,
      ),
    );
    expect(text).toContain(`${first.id}  ${head.slice(0, 7)}   `);
    expect(text).toContain('    baseline');
    expect(text).toContain('* started from a working tree with uncommitted changes');

    const limited = await json(d, 'log', '--limit', '1');
    expect(limited.body.runs.map((r: any) => r.id)).toEqual([second.id]);
    expect(limited.body.total).toBe(2);
  });

  it('follows the first-parent history of HEAD; --all lists runs of every branch', async () => {
    const d = await repo(PIPE);
    const onMain = await runRec(d);
    git(d, 'checkout', '-qb', 'side');
    git(d, 'commit', '-qm', 'side', '--allow-empty');
    await writeFile(join(d, 'in.txt'), 'side\n');
    const onSide = await runRec(d);
    expect((await json(d, 'log')).body.runs.map((r: any) => r.id)).toEqual([onSide.id, onMain.id]);
    git(d, 'checkout', '-q', '--', 'in.txt');
    git(d, 'checkout', '-q', 'main');
    expect((await json(d, 'log')).body.runs.map((r: any) => r.id)).toEqual([onMain.id]);
    const all = await json(d, 'log', '--all');
    expect(all.body.scope).toBe('all');
    expect(all.body.runs.map((r: any) => r.id)).toEqual([onSide.id, onMain.id]);
  });

  it('says so when there are no runs', async () => {
    const d = await repo(PIPE);
    const r = await repro(d, 'log');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("no runs recorded on this branch's history");
    expect((await json(d, 'log')).body).toEqual({ scope: 'history', total: 0, runs: [] });
  });
});

describe('repro show', () => {
  it('shows the record in full by unique id prefix, with an environment comparison', async () => {
    const d = await repo(PIPE);
    const { id } = await runRec(d, '-m', 'first try');
    const { code, body } = await json(d, 'show', id.slice(0, 12));
    expect(code).toBe(0);
    expect(body.id).toBe(id);
    expect(body.record.id).toBe(id);
    expect(body.record.message).toBe('first try');
    expect(body.env_diff).toEqual([]); // same machine, same process
    const text = (await repro(d, 'show', id)).stdout;
    expect(text).toContain(`run       ${id}`);
    expect(text).toContain("command   repro run --json -m 'first try'");
    expect(text).toMatch(/^ {2}a +executed +key [0-9a-f]{8} {2}\d+ ms {2}seed 42$/m);
    expect(text).toMatch(/^ {6}b\.txt {2}[0-9a-f]{8} {2}10 B$/m);
    expect(text).toContain('  m.json  acc  0.75');
    expect(text).toMatch(/^ {2}node +v\d+/m);
    expect(text).toContain('this machine: same environment as recorded');
  });

  it('prints the versions env.tools recorded, not only their hash, and keeps them in --json', async () => {
    const d = await repo({
      'repro.yaml': `version: 1
env:
  tools: ["echo tool 1.2.3", "printf 'numpy==2.0.0\\\\nscikit-learn==1.5.1\\\\n'", "true"]
stages:
  a:
    cmd: echo hi > a.txt
    outs: [a.txt]
`,
    });
    const { id } = await runRec(d);
    const text = (await repro(d, 'show', id)).stdout;
    expect(text).toContain('  tool      echo tool 1.2.3: tool 1.2.3\n');
    expect(text).toMatch(/^ {2}tool {6}printf .*:\n {12}numpy==2\.0\.0\n {12}scikit-learn==1\.5\.1\n/m);
    expect(text).toMatch(/^ {2}tool {6}true: \(no output, [0-9a-f]{8}\)$/m);
    const { body } = await json(d, 'show', id);
    expect(Object.values(body.record.env.tools)).toContainEqual(expect.objectContaining({ output: 'numpy==2.0.0\nscikit-learn==1.5.1' }));
  });

  it('probes env.tools at the repository root, whatever directory repro runs from', async () => {
    const d = await repo({
      'repro.yaml': `version: 1
env:
  tools: ["cat tool-version.txt"]
stages:
  a:
    cmd: echo hi > a.txt
    outs: [a.txt]
`,
      'tool-version.txt': 'tool 4.5.6\n',
      'sub/keep.txt': 'x\n',
    });
    const { id } = await runRec(join(d, 'sub'));
    const { body } = await json(join(d, 'sub'), 'show', id);
    expect(Object.values(body.record.env.tools)).toContainEqual(expect.objectContaining({ output: 'tool 4.5.6' }));
    // compared from another directory than the run's: still the same environment
    expect(body.env_diff).toEqual([]);
  });

  it('an unknown or ambiguous run is E_NOT_FOUND with a hint', async () => {
    const d = await repo(PIPE);
    const none = await json(d, 'show', 'nope');
    expect(none.code).toBe(2);
    expect(none.body.error).toMatchObject({ code: 'E_NOT_FOUND', hint: 'no run has been recorded in this repository yet' });
    await runRec(d);
    await writeFile(join(d, 'in.txt'), 'other\n');
    await runRec(d);
    const unknown = await json(d, 'show', 'zzz');
    expect(unknown.body.error).toMatchObject({
      code: 'E_NOT_FOUND',
      message: "unknown run: 'zzz'",
      hint: "'repro log --all' lists every run",
    });
    const amb = await json(d, 'show', '20');
    expect(amb.code).toBe(2);
    expect(amb.body.error.code).toBe('E_NOT_FOUND');
    expect(amb.body.error.message).toBe("ambiguous run: '20'");
    expect(amb.body.error.hint).toMatch(/^it matches 2 runs \(.+\); give more characters$/);
  });
});

describe('what a run records', () => {
  it('a failed run still writes a record: status failed, the failing stage, its stderr tail', async () => {
    const d = await repo({
      'repro.yaml': `version: 1
stages:
  ok:
    cmd: echo fine > ok.txt
    outs: [ok.txt]
  boom:
    cmd: "echo 'disk on fire' >&2; exit 4"
    deps: [ok.txt]
    outs: [never.txt]
`,
    });
    const r = await runRec(d);
    expect(r.code).toBe(1);
    expect(r.id).toBeTruthy();
    const { body } = await json(d, 'show', r.id);
    expect(body.record.status).toBe('failed');
    expect(body.record.stages.ok.status).toBe('executed');
    expect(body.record.stages.boom).toMatchObject({
      status: 'failed',
      exit_code: 4,
      error: 'command exited with code 4',
      stderr_tail: ['disk on fire'],
    });
    const log = await json(d, 'log');
    expect(log.body.runs[0]).toMatchObject({ status: 'failed', failed_stages: ['boom'] });
    expect((await repro(d, 'log')).stdout).toContain('failed (boom)');
  });

  it('--no-record writes no ref; -m is stored on the record and in the commit message', async () => {
    const d = await repo(PIPE);
    const r = await runRec(d, '--no-record');
    expect(r.body.run_id).toBeNull();
    expect(git(d, 'for-each-ref', 'refs/repro/')).toBe('');
    await writeFile(join(d, 'in.txt'), 'x\n');
    const m = await runRec(d, '-m', 'lr sweep, take 2');
    expect((await json(d, 'show', m.id)).body.record.message).toBe('lr sweep, take 2');
    expect(git(d, 'log', '-1', '--format=%B', `refs/repro/runs/${m.id}`).trim()).toBe(`repro run ${m.id}: ok\n\nlr sweep, take 2`);
  });

  it('records the uncommitted edit in the run tree, parent HEAD, and leaves HEAD, branch and index alone', async () => {
    const d = await repo(PIPE);
    const head = git(d, 'rev-parse', 'HEAD').trim();
    const index = git(d, 'ls-files', '-s');
    await writeFile(join(d, 'in.txt'), 'edited, not committed\n');
    const { id } = await runRec(d);
    expect(git(d, 'rev-parse', `refs/repro/runs/${id}^`).trim()).toBe(head);
    expect(git(d, 'show', `refs/repro/runs/${id}:in.txt`)).toBe('edited, not committed\n');
    expect(git(d, 'show', `refs/repro/runs/${id}:repro.lock`)).toContain('b.txt');
    expect(git(d, 'rev-parse', 'HEAD').trim()).toBe(head);
    expect(git(d, 'symbolic-ref', 'HEAD').trim()).toBe('refs/heads/main');
    expect(git(d, 'ls-files', '-s')).toBe(index);
    expect((await json(d, 'show', id)).body.record.source).toEqual({ commit: head, branch: 'main', dirty: true });
  });

  it("dirty counts the user's uncommitted edits, not what the run itself wrote", async () => {
    const d = await repo(PIPE);
    const first = await runRec(d); // writes repro.lock, .gitignore and outputs: still clean
    expect((await json(d, 'show', first.id)).body.record.source.dirty).toBe(false);
    git(d, 'add', '-A');
    git(d, 'commit', '-qm', 'results');
    await writeFile(join(d, 'in.txt'), 'a hand edit\n');
    const second = await runRec(d);
    expect((await json(d, 'show', second.id)).body.record.source.dirty).toBe(true);
  });

  it('works in a repository with no commits yet', async () => {
    const d = await repo(PIPE, { commit: false });
    git(d, 'add', '-A');
    const { id, code } = await runRec(d);
    expect(code).toBe(0);
    expect(git(d, 'rev-list', '--count', `refs/repro/runs/${id}`).trim()).toBe('1'); // a root commit
    const log = await json(d, 'log');
    expect(log.body.runs).toHaveLength(1);
    expect(log.body.runs[0]).toMatchObject({ id, source_commit: null, dirty: true });
    expect((await json(d, 'show', id)).body.record.source).toEqual({ commit: null, branch: 'main', dirty: true });
  });

  it('works on a detached HEAD', async () => {
    const d = await repo(PIPE);
    git(d, 'checkout', '-q', '--detach');
    const { id } = await runRec(d);
    expect((await json(d, 'show', id)).body.record.source.branch).toBeNull();
    expect((await json(d, 'log')).body.runs.map((r: any) => r.id)).toEqual([id]);
    expect((await repro(d, 'show', id)).stdout).toContain('(detached HEAD)');
  });
});

describe('unusual repositories', () => {
  it('a shallow clone records, logs and shows runs (history stops at the shallow boundary)', async () => {
    const origin = await repo(PIPE);
    git(origin, 'commit', '-qm', 'second', '--allow-empty');
    const d = `${origin}-shallow`;
    dirs.push(d);
    git(origin, 'clone', '-q', '--depth', '1', `file://${origin}`, d);
    expect(git(d, 'rev-parse', '--is-shallow-repository').trim()).toBe('true');
    const { id, code } = await runRec(d);
    expect(code).toBe(0);
    expect((await json(d, 'log')).body.runs.map((r: any) => r.id)).toEqual([id]);
    expect((await json(d, 'show', id)).body.record.source.commit).toBe(git(d, 'rev-parse', 'HEAD').trim());
  });
});

describe('unreadable records', () => {
  /** A run commit whose record file holds `content`. */
  async function plant(dir: string, content: string): Promise<string> {
    const r = await findRepo(dir);
    const runId = newRunId();
    const tree = await snapshotTree({ repo: r, extraFiles: { [RECORD_PATH]: content } });
    await writeRunCommit({ repo: r, runId, tree, message: 'planted', parents: [r.head!] });
    return runId;
  }

  it.each([
    ['not JSON', '{ nope', /^malformed run record \(not JSON\): /],
    [
      'a missing field',
      JSON.stringify({ format: 'repro-run/1', id: 'x' }),
      /^malformed run record \(field 'started_at' is missing or mistyped\): /,
    ],
    ['no format', JSON.stringify({ id: 'x' }), /^malformed run record \(no 'format'\): /],
    [
      'a newer format',
      JSON.stringify({ format: 'repro-run/2' }),
      /^run record has a newer format 'repro-run\/2' than this repro reads \(repro-run\/1\): /,
    ],
  ])('%s: show fails with E_RECORD, log lists the run with the error', async (_what, content, message) => {
    const d = await repo(PIPE);
    const good = await runRec(d);
    const bad = await plant(d, content);
    const show = await json(d, 'show', bad);
    expect(show.code).toBe(2);
    expect(show.body.error.code).toBe('E_RECORD');
    expect(show.body.error.message).toMatch(message);
    expect(show.body.error.hint).toBeTruthy();
    expect(show.stderr).not.toMatch(/\n\s+at /);
    const log = await json(d, 'log');
    expect(log.code).toBe(0);
    expect(log.body.runs.map((r: any) => [r.id, r.status])).toEqual([
      [bad, 'unreadable'],
      [good.id, 'ok'],
    ]);
    expect(log.body.runs[0].error).toEqual({ code: 'E_RECORD', message: expect.stringMatching(message) });
    const text = await repro(d, 'log');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`${bad}  `);
    expect(text.stdout).toContain('unreadable record: ');
    expect(text.stderr).toMatch(/^warning: /m);
  });

  it('a run commit without a record is E_RECORD', async () => {
    const d = await repo(PIPE);
    const r = await findRepo(d);
    const runId = newRunId();
    await writeRunCommit({ repo: r, runId, tree: await snapshotTree({ repo: r, extraFiles: {} }), message: 'bare', parents: [r.head!] });
    const show = await json(d, 'show', runId);
    expect(show.body.error.code).toBe('E_RECORD');
    expect(show.body.error.message).toBe(`run commit has no record at ${RECORD_PATH}: '${runId}'`);
  });
});

/** Keys kept, values replaced by their type; arrays by the shapes of their elements. */
function shape(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(shape);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shape(x)]));
  return v === null ? null : typeof v;
}

describe('the record format (docs/records.md)', () => {
  it('pins the record JSON: keys, key order and value types', async () => {
    const d = await repo(PIPE);
    const { id } = await runRec(d, '-m', 'pinned');
    const text = git(d, 'show', `refs/repro/runs/${id}:${RECORD_PATH}`);
    const rec = JSON.parse(text);
    expect(text).toBe(JSON.stringify(rec, null, 2) + '\n');
    expect(rec.format).toBe('repro-run/1');
    expect(Object.keys(rec)).toEqual([
      'format',
      'id',
      'message',
      'argv',
      'started_at',
      'ended_at',
      'status',
      'source',
      'seed',
      'sweep',
      'stages',
      'metrics',
      'locks',
      'env',
      'untracked',
      'withheld',
    ]);
    expect(Object.keys(rec.stages.b)).toEqual([
      'status',
      'key',
      'components',
      'seed',
      'exit_code',
      'duration_ms',
      'outs',
      'error',
      'stderr_tail',
      'source_date_epoch',
      'observed',
    ]);
    // Machine-dependent parts of the fingerprint: which runtimes answered, whether a GPU exists.
    expect(typeof rec.env.runtimes).toBe('object');
    const env = { ...rec.env, runtimes: '(machine)' };
    delete env.gpu;
    const stage = (deps: Record<string, string>, params: object, outs: Record<string, string>, outHashes: object) => ({
      status: 'string',
      key: 'string',
      components: { cmd: ['string'], wdir: 'string', deps, params, locks: {}, env: {}, seed: 'number', outs },
      seed: 'number',
      exit_code: 'number',
      duration_ms: 'number',
      outs: outHashes,
      error: null,
      stderr_tail: [],
      source_date_epoch: 'number',
      observed: null,
    });
    expect(shape({ ...rec, env })).toEqual({
      format: 'string',
      id: 'string',
      message: 'string',
      argv: ['string', 'string', 'string', 'string'],
      started_at: 'string',
      ended_at: 'string',
      status: 'string',
      source: { commit: 'string', branch: 'string', dirty: 'boolean' },
      seed: null,
      sweep: null,
      stages: {
        a: stage({ 'in.txt': 'string' }, {}, { 'a.txt': 'string' }, { 'a.txt': { hash: 'string', size: 'number' } }),
        b: stage(
          { 'a.txt': 'string' },
          { 'params.yaml': { 'b.suffix': 'string' } },
          { 'b.txt': 'string', 'm.json': 'string' },
          { 'b.txt': { hash: 'string', size: 'number' }, 'm.json': { hash: 'string', size: 'number' } },
        ),
      },
      metrics: { 'm.json': { acc: 'number', loss: 'number', f1: 'number', n: 'number' } },
      locks: {},
      env: {
        cpu: { count: 'number', model: 'string' },
        locale: 'string',
        memory_bytes: 'number',
        node: 'string',
        os: { arch: 'string', platform: 'string', release: 'string', version: 'string' },
        repro: 'string',
        runtimes: 'string',
        timezone: 'string',
        tools: {},
      },
      untracked: [],
      withheld: [],
    });
    expect(rec.stages.b.components.params).toEqual({ 'params.yaml': { 'b.suffix': 'one' } });
    expect(rec.stages.a.status).toBe('executed');
  });
});
