import { describe, it, expect } from 'vitest';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repro, git, tempRepos } from '../helpers/repo.js';

/**
 * The workspace side of `repro diff` is what is on disk: a run record (or the lock's
 * seed_metrics) describes the workspace's metrics only while the metrics file still hashes to
 * what repro.lock recorded for it.
 */

const { repo } = tempRepos();

const SMALL = {
  'params.yaml': 'v: 1\n',
  'repro.yaml':
    'version: 1\nstages:\n  m:\n    cmd: \'echo "{\\"score\\": ${v}, \\"tag\\": \\"x\\"}" > m.json\'\n    params: [v]\n    metrics: [m.json]\n',
};

// seeded: the score is 1 + seed/100, so a sweep has five distinct values
const SEEDED = {
  'params.yaml': 'v: 1\n',
  'repro.yaml': `version: 1
seed: 1
stages:
  m:
    cmd: 'awk -v s="$REPRO_SEED" -v v=\${v} ''BEGIN { printf "{\\"score\\": %.2f}\\n", v + s / 100 }'' > m.json'
    params: [v]
    metrics: [m.json]
`,
};

async function json(dir: string, ...args: string[]) {
  const r = await repro(dir, ...args, '--json');
  if (r.code !== 0) throw new Error(`repro ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const row = (d: { metrics: { rows: { key: string }[] } }, key: string) => d.metrics.rows.find((r) => r.key === key) as any;

async function committedRun(files: Record<string, string>, ...runArgs: string[]): Promise<string> {
  const d = await repo(files);
  const r = await repro(d, 'run', ...runArgs);
  expect(r.code, r.stderr).toBe(0);
  git(d, 'add', '-A');
  git(d, 'commit', '-qm', 'ran');
  return d;
}

describe('repro diff: the workspace metrics are the files on disk', () => {
  it('an edited metrics file shows its new value, not the run record, and says the file differs from the last run', async () => {
    const d = await committedRun(SMALL);
    expect((await json(d, 'diff')).metrics.rows).toEqual([]);
    await writeFile(join(d, 'm.json'), '{"score": 7, "tag": "y"}\n');
    const res = await json(d, 'diff');
    expect(row(res, 'm.json:score')).toMatchObject({ a: { values: [1] }, b: { values: [7] }, delta: 6, verdict: 'changed' });
    expect(res.b.sources).toEqual(['files']);
    expect(res.b.runs).toEqual([]);
    // the text value in the same file comes from disk as well: the two agree
    expect(row(res, 'm.json:tag')).toMatchObject({ error: 'not a number', text: { a: 'x', b: 'y' }, verdict: 'changed' });
    expect(res.notes).toContain(
      "workspace: metrics file 'm.json' differs from the last recorded run (repro.lock): its values are read from the file, as one run",
    );
    const text = (await repro(d, 'diff')).stdout;
    expect(text).toContain("metrics file 'm.json' differs from the last recorded run");
  });

  it('a deleted metrics file shows its metrics removed', async () => {
    const d = await committedRun(SMALL);
    await rm(join(d, 'm.json'));
    const res = await json(d, 'diff');
    expect(row(res, 'm.json:score')).toMatchObject({ a: { values: [1] }, b: null, verdict: 'removed' });
    expect(res.notes).toContain(
      "workspace: metrics file 'm.json' is missing (the last recorded run wrote it): its metrics are shown as removed",
    );
  });

  it('a sweep keeps its per-seed values while the file is as recorded, and becomes one run when it is edited', async () => {
    const d = await committedRun(SEEDED, '--seeds', '1-3');
    await json(d, 'run', '--seeds', '1-3', '-S', 'v=2');
    const swept = await json(d, 'diff');
    expect(row(swept, 'm.json:score').b).toMatchObject({ n: 3, values: [2.01, 2.02, 2.03], seeds: [1, 2, 3] });
    expect(swept.b.sources).toEqual(['runs', 'seed_metrics']);
    expect(swept.notes.filter((n: string) => n.includes('m.json'))).toEqual([]);

    await writeFile(join(d, 'm.json'), '{"score": 5}\n');
    const edited = await json(d, 'diff');
    expect(row(edited, 'm.json:score').b).toMatchObject({ n: 1, values: [5], seeds: [1] });
    expect(row(edited, 'm.json:score').a).toMatchObject({ n: 3 });
    expect(edited.b.sources).toEqual(['files']);
    expect(edited.notes.some((n: string) => n.includes("metrics file 'm.json' differs from the last recorded run"))).toBe(true);
  });

  it('a revision is not affected by the workspace file', async () => {
    const d = await committedRun(SMALL);
    await writeFile(join(d, 'm.json'), '{"score": 7}\n');
    const res = await json(d, 'diff', 'HEAD', 'HEAD');
    expect(res.metrics.rows).toEqual([]);
    expect(res.a.sources).toEqual(['runs']);
  });
});

describe('repro diff in a repository with no commits', () => {
  it('compares the workspace against nothing: every param, metric and output is added', async () => {
    const d = await repo(SMALL, { commit: false });
    expect((await repro(d, 'run')).code).toBe(0);
    const r = await repro(d, 'diff', '--json');
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res.a).toEqual({ label: 'HEAD', kind: 'commit', commit: null, runs: [], sources: [], n: null });
    expect(res.params).toEqual([{ key: 'params.yaml:v', change: 'added', b: 1 }]);
    expect(row(res, 'm.json:score')).toMatchObject({ a: null, b: { values: [1] }, verdict: 'added' });
    expect(res.outputs).toEqual([expect.objectContaining({ path: 'm.json', change: 'added' })]);
    expect(res.notes).toContain('HEAD: no commits yet: compared against nothing');
    const text = await repro(d, 'diff');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('params.yaml:v');
  });

  it('an explicit unknown revision is still exit 2', async () => {
    const d = await repo(SMALL, { commit: false });
    const r = await repro(d, 'diff', 'nope', '--json');
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error.code).toBe('E_NOT_FOUND');
  });
});
