import { describe, it, expect } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { testRepo, repro, tempRepos } from '../helpers/repo.js';

// The --json shapes of run, status, checkout, init and dag, and the error shape: documented in
// docs/json.md. A change here is a change of contract: update the doc with it.
const { dirs } = tempRepos();

const PIPE = {
  'in.txt': 'x\n',
  'params.yaml': 'n: 1\n',
  'repro.yaml': 'version: 1\nstages:\n  a:\n    cmd: cp in.txt a.txt\n    deps: [in.txt]\n    params: [n]\n    outs: [a.txt]\n',
};

/** Replace volatile values (hashes, times, durations) so shapes can be compared literally. */
function scrub(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(scrub);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, scrub(x)]));
  if (typeof v === 'string' && /^[0-9a-f]{64}(\.dir)?$/.test(v)) return '<hash>';
  if (typeof v === 'string' && /^\d{4}-\d\d-\d\dT/.test(v)) return '<time>';
  return v;
}

describe('--json contracts', () => {
  it('run', async () => {
    const d = await testRepo(PIPE);
    dirs.push(d);
    const r = await repro(d, 'run', '--json', '--no-record');
    const body = scrub(JSON.parse(r.stdout)) as { stages: { duration_ms: unknown }[] };
    body.stages[0]!.duration_ms = '<ms>';
    expect(body).toEqual({
      ok: true,
      interrupted: false,
      run_id: null,
      record_commit: null,
      record_error: null,
      record_warnings: [],
      started_at: '<time>',
      ended_at: '<time>',
      stages: [
        {
          name: 'a',
          status: 'executed',
          reasons: [{ kind: 'never-run' }],
          key: '<hash>',
          seed: 0,
          exit_code: 0,
          duration_ms: '<ms>',
          outs: { 'a.txt': { hash: '<hash>', size: 2 } },
          error: null,
          stderr_tail: [],
          restored_from: null,
        },
      ],
    });
  });

  it('status, checkout, dag', async () => {
    const d = await testRepo(PIPE);
    dirs.push(d);
    expect(JSON.parse((await repro(d, 'status', '--json')).stdout)).toEqual({
      clean: false,
      stale: [{ name: 'a', reasons: [{ kind: 'never-run' }] }],
      up_to_date: [],
      frozen: [],
      observed: {},
    });
    await repro(d, 'run', '--no-record');
    expect(JSON.parse((await repro(d, 'status', '--json')).stdout)).toEqual({
      clean: true,
      stale: [],
      up_to_date: ['a'],
      frozen: [],
      observed: {},
    });
    expect(JSON.parse((await repro(d, 'checkout', '--json')).stdout)).toEqual({
      interrupted: false,
      restored: [],
      unchanged: ['a.txt'],
      missing: [],
      corrupt: [],
      modified: [],
      notRun: [],
    });
    const dag = JSON.parse((await repro(d, 'dag', '--json')).stdout);
    expect(dag.stages.map((s: { name: string }) => s.name)).toEqual(['a']);
    expect(dag.edges).toEqual([]);
  });

  it('exp show', async () => {
    const d = await testRepo(PIPE);
    dirs.push(d);
    await writeFile(
      join(d, 'repro.yaml'),
      'version: 1\nstages:\n  a:\n    cmd: "printf \'{\\"acc\\": 0.5}\' > m.json"\n    params: [n]\n    metrics: [m.json]\n',
    );
    const run = JSON.parse((await repro(d, 'run', '--json')).stdout);
    const body = scrub(JSON.parse((await repro(d, 'exp', 'show', '--json')).stdout));
    expect(body).toEqual({
      scope: 'history',
      total: 1,
      sort_by: null,
      columns: { params: ['n'], metrics: ['m.json:acc'] },
      rows: [
        {
          id: run.run_id,
          short_id: run.run_id.slice(-6),
          run_ids: [run.run_id],
          sweep: null,
          commit: expect.stringMatching(/^[0-9a-f]{40}$/),
          branch: 'main',
          dirty: true,
          started_at: '<time>',
          status: 'ok',
          seeds: [0],
          params: { n: 1 },
          metrics: { 'm.json:acc': { mean: 0.5, sem: null, n: 1, values: [0.5] } },
        },
      ],
    });
  });

  it('errors: one JSON document with code, message and hint on stdout', async () => {
    const d = await testRepo({ 'repro.yaml': 'version: 2\nstages: {}\n' });
    dirs.push(d);
    const r = await repro(d, 'status', '--json');
    expect(r.code).toBe(2);
    const body = JSON.parse(r.stdout);
    expect(Object.keys(body)).toEqual(['error']);
    expect(Object.keys(body.error).sort()).toEqual(['code', 'hint', 'message']);
    expect(body.error.message).toContain('repro.yaml:1:');
  });
});
