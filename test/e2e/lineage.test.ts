import { describe, it, expect } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { testRepo, repro, git, tempRepos } from '../helpers/repo.js';

// `repro lineage PATH`: producing stage, run and inputs, recursively; other versions along history.
const { dirs } = tempRepos();

const PIPE = {
  'raw.txt': 'b\na\n',
  'params.yaml': 'train:\n  tag: v1\n',
  'train.sh': 'cat data/prepared/all.txt > model.txt\necho "$1" >> model.txt\n',
  'repro.yaml': `version: 1
stages:
  prepare:
    cmd: "mkdir -p data/prepared && sort raw.txt > data/prepared/all.txt"
    deps: [raw.txt]
    outs: [data/prepared/]
  train:
    cmd: sh train.sh \${train.tag}
    deps: [train.sh, data/prepared]
    params: [train.tag]
    outs: [model.txt]
`,
};

async function lineage(dir: string, path: string, cwd = dir) {
  const r = await repro(cwd, 'lineage', path, '--json');
  return { code: r.code, body: JSON.parse(r.stdout) };
}

async function runId(dir: string, ...args: string[]): Promise<string> {
  const r = await repro(dir, 'run', '--json', ...args);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout).run_id;
}

describe('repro lineage', () => {
  it('names the stage, run and inputs that produced an output, recursively, and the other versions on history', async () => {
    const d = await testRepo(PIPE);
    dirs.push(d);
    const first = await runId(d);
    const v1 = (await lineage(d, 'model.txt')).body.workspace_hash;
    const second = await runId(d, '-S', 'train.tag=v2');

    const { code, body } = await lineage(d, 'model.txt');
    expect(code).toBe(0);
    expect(Object.keys(body)).toEqual(['path', 'within', 'workspace_hash', 'lock_hash', 'modified', 'lineage', 'versions', 'warnings']);
    expect(Object.keys(body.lineage)).toEqual(['path', 'hash', 'stage', 'key', 'from', 'matches', 'run', 'inputs', 'seen']);
    expect(Object.keys(body.lineage.run)).toEqual(['id', 'commit', 'started_at', 'status', 'on_history']);
    expect(body).toMatchObject({ path: 'model.txt', within: null, modified: false, warnings: [] });
    expect(body.workspace_hash).toBe(body.lock_hash);
    const root = body.lineage;
    expect(root).toMatchObject({
      path: 'model.txt',
      hash: body.workspace_hash,
      stage: 'train',
      from: 'lock',
      matches: true,
      run: { id: second, status: 'executed', on_history: true },
      seen: false,
    });
    expect(root.inputs.map((n: any) => [n.path, n.stage])).toEqual([
      ['data/prepared', 'prepare'],
      ['train.sh', null],
    ]);
    const prepared = root.inputs[0];
    expect(prepared.hash).toMatch(/\.dir$/);
    expect(prepared.run).toMatchObject({ id: first, status: 'executed' }); // prepare ran in the first run only
    expect(prepared.inputs).toEqual([
      {
        path: 'raw.txt',
        hash: expect.stringMatching(/^[0-9a-f]{64}$/),
        stage: null,
        key: null,
        from: null,
        matches: true,
        run: null,
        inputs: [],
        seen: false,
      },
    ]);
    expect(body.versions).toEqual([
      {
        run: second,
        source_commit: expect.any(String),
        started_at: expect.any(String),
        stage: 'train',
        status: 'executed',
        hash: body.workspace_hash,
        current: true,
      },
      {
        run: first,
        source_commit: expect.any(String),
        started_at: expect.any(String),
        stage: 'train',
        status: 'executed',
        hash: v1,
        current: false,
      },
    ]);

    const text = (await repro(d, 'lineage', 'model.txt')).stdout;
    expect(text).toContain(`model.txt  ${body.workspace_hash.slice(0, 8)}  stage 'train' (key `);
    expect(text).toMatch(new RegExp(`^├─ data/prepared {2}[0-9a-f]{8}\\.dir {2}stage 'prepare' \\(key [0-9a-f]{8}\\), run ${first}$`, 'm'));
    expect(text).toMatch(/^│ {2}└─ raw\.txt {2}[0-9a-f]{8} {2}source$/m);
    expect(text).toMatch(/^└─ train\.sh {2}[0-9a-f]{8} {2}source$/m);
    expect(text).toContain("versions along history (1 other than the workspace's):");
    expect(text).toContain(`  ${first}  ${v1.slice(0, 8)}  train\n`);
  });

  it('a file inside a directory output, a path relative to the cwd, and a workspace edit', async () => {
    const d = await testRepo(PIPE);
    dirs.push(d);
    await runId(d);
    const inside = await lineage(d, 'prepared/all.txt', join(d, 'data'));
    expect(inside.body).toMatchObject({ path: 'data/prepared', within: 'data/prepared/all.txt', lineage: { stage: 'prepare' } });
    await writeFile(join(d, 'model.txt'), 'hand edited\n');
    const edited = await lineage(d, 'model.txt');
    expect(edited.body.modified).toBe(true);
    expect(edited.body.lineage).toMatchObject({ stage: 'train', from: 'lock', matches: false, run: null });
    expect((await repro(d, 'lineage', 'model.txt')).stdout).toContain('warning: model.txt in the workspace differs from repro.lock');
  });

  it('finds the producer of an older version in the run records when the lock has moved on', async () => {
    const d = await testRepo(PIPE);
    dirs.push(d);
    const first = await runId(d);
    git(d, 'add', '-A');
    git(d, 'commit', '-qm', 'v1 results');
    const old = await repro(d, 'show', first, '--json');
    expect(old.code).toBe(0);
    await runId(d, '-S', 'train.tag=v2');
    // Put the v1 model back by hand: the lock records v2, the first run's record knows v1.
    git(d, 'checkout', '-q', 'HEAD', '--', 'params.yaml');
    const v1 = JSON.parse(old.stdout).record.stages.train.outs['model.txt'].hash;
    await repro(d, 'checkout'); // lock says v2; restore v2, then overwrite with v1 from the cache
    const { openCache } = await import('../../src/cache/index.js');
    await openCache({ dir: join(d, '.repro/cache') }).checkout(v1, join(d, 'model.txt'));
    const { body } = await lineage(d, 'model.txt');
    expect(body.modified).toBe(true);
    expect(body.lineage).toMatchObject({ hash: v1, stage: 'train', from: 'record', matches: true, run: { id: first } });
    expect(body.lineage.inputs.map((n: any) => n.path)).toEqual(['data/prepared', 'train.sh']);
  });

  it('a path no stage produces is E_NOT_FOUND; a path outside the repository is E_PATH_ESCAPE', async () => {
    const d = await testRepo(PIPE);
    dirs.push(d);
    await runId(d);
    const r = await lineage(d, 'raw.txt');
    expect(r.code).toBe(2);
    expect(r.body.error).toMatchObject({ code: 'E_NOT_FOUND', message: "no stage produces this path: 'raw.txt'" });
    expect((await lineage(d, '../elsewhere')).body.error.code).toBe('E_PATH_ESCAPE');
  });
});
