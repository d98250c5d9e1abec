import { describe, it, expect, beforeAll } from 'vitest';
import { main } from '../../src/main.js';
import { repro, git, tempRepos } from '../helpers/repo.js';

/**
 * `repro exp show`, end to end: a base run, a run with another param on its own commit, a 3-seed
 * sweep, and a run on a side branch. The metric is lr·10 + seed/100, so every value is exact.
 */
const FILES = {
  'params.yaml': 'train:\n  lr: 0.1  # learning rate\n  depth: 3\n',
  'repro.yaml': `version: 1
seed: 1
stages:
  train:
    cmd: "awk -v s=$REPRO_SEED -v lr=\${train.lr} 'BEGIN { printf \\"{\\\\\\"acc\\\\\\": %.4f, \\\\\\"nested\\\\\\": {\\\\\\"f1\\\\\\": 0.5}}\\\\n\\", lr*10 + s/100 > \\"m.json\\"; print \\"{\\\\\\"loss\\\\\\": 0.25}\\" > \\"eval.json\\" }'"
    params: [train.lr, train.depth]
    metrics: [m.json, eval.json]
`,
};

const { repo } = tempRepos({ after: 'all' });

async function json(dir: string, ...args: string[]): Promise<any> {
  const r = await repro(dir, ...args, '--json');
  if (r.code !== 0) throw new Error(`repro ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

let R: string;
const ids: Record<string, string> = {};
beforeAll(async () => {
  R = await repo(FILES);
  ids.base = (await json(R, 'run')).run_id;
  git(R, 'add', '-A');
  git(R, 'commit', '-qm', 'base');
  ids.lr = (await json(R, 'run', '-S', 'train.lr=0.2')).run_id;
  git(R, 'add', '-A');
  git(R, 'commit', '-qm', 'lr 0.2');
  const sw = await json(R, 'run', '--seeds', '1-3');
  ids.sweep = sw.sweep_id;
  git(R, 'checkout', '-qb', 'side');
  git(R, 'commit', '-q', '--allow-empty', '-m', 'side');
  ids.side = (await json(R, 'run', '-S', 'train.depth=5')).run_id;
  git(R, 'add', '-A');
  git(R, 'commit', '-qm', 'side');
  git(R, 'checkout', '-q', 'main');
}, 120_000);

describe('repro exp show', () => {
  it('lists the runs on the branch history, a sweep as one row with mean ± sem, the params that differ', async () => {
    const body = await json(R, 'exp', 'show');
    expect(body.scope).toBe('history');
    expect(body.rows).toHaveLength(3); // the sweep, lr 0.2, base; not the side branch's run
    const [sweep, lr, base] = body.rows;
    expect(base.id).toBe(ids.base);
    expect(lr.id).toBe(ids.lr);
    expect(sweep.sweep).toBe(ids.sweep);
    expect(sweep.run_ids).toHaveLength(3);
    expect(sweep.seeds.slice().sort()).toEqual([1, 2, 3]);
    expect(sweep.metrics['m.json:acc'].n).toBe(3);
    expect(sweep.metrics['m.json:acc'].mean).toBeCloseTo(2.02, 10);
    expect(sweep.metrics['m.json:acc'].sem).toBeCloseTo(0.01 / Math.sqrt(3), 10);
    expect(base.metrics['m.json:acc']).toEqual({ mean: 1.01, sem: null, n: 1, values: [1.01] });
    // params: only train.lr differs; metrics: only acc differs (f1 and loss are constant)
    expect(body.columns).toEqual({ params: ['train.lr'], metrics: ['m.json:acc'] });
    expect(base.params).toEqual({ 'train.lr': 0.1, 'train.depth': 3 });
    expect(base.short_id).toBe(ids.base.slice(-6));
    expect(base.branch).toBe('main');
    expect(base.dirty).toBe(false);

    const all = await json(R, 'exp', 'show', '--no-only-changed');
    expect(all.columns.metrics).toEqual(['eval.json:loss', 'm.json:acc', 'm.json:nested.f1']);
    expect(all.columns.params).toEqual(['train.depth', 'train.lr']);
  });

  it('--all, --seeds, -n, --sort-by, --asc, --params and --metrics globs', async () => {
    const all = await json(R, 'exp', 'show', '--all');
    expect(all.rows.map((r: any) => r.id)).toContain(ids.side);
    expect(all.columns.params).toEqual(['train.depth', 'train.lr']);
    const seeds = await json(R, 'exp', 'show', '--seeds');
    expect(seeds.rows).toHaveLength(5);
    expect(seeds.rows.slice(0, 3).every((r: any) => r.sweep === ids.sweep && r.seeds.length === 1)).toBe(true);
    const two = await json(R, 'exp', 'show', '-n', '2');
    expect(two.total).toBe(3);
    expect(two.rows).toHaveLength(2);
    const asc = await json(R, 'exp', 'show', '--seeds', '--sort-by', 'acc', '--asc');
    expect(asc.sort_by).toBe('m.json:acc');
    expect(asc.rows.map((r: any) => r.metrics['m.json:acc'].mean)).toEqual([1.01, 2.01, 2.01, 2.02, 2.03]);
    const desc = await json(R, 'exp', 'show', '--sort-by', 'm.json:acc');
    expect(desc.rows[2].id).toBe(ids.base);
    const globbed = await json(R, 'exp', 'show', '--no-only-changed', '--metrics', 'm.json:*', '--params', '*depth');
    expect(globbed.columns).toEqual({ params: ['train.depth'], metrics: ['m.json:acc', 'm.json:nested.f1'] });
    const bad = await repro(R, 'exp', 'show', '--sort-by', 'acx');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("did you mean 'acc'?");
  });

  it('prints a table, Markdown and CSV', async () => {
    const text = (await repro(R, 'exp', 'show')).stdout;
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^run +commit +branch +time +seed +train\.lr +m\.json:acc$/);
    expect(lines[2]).toMatch(/^\w{6} +[0-9a-f]{7} +main +\d{4}-\d\d-\d\d \d\d:\d\d +1\.\.3 +0\.2 +2\.02 ± 0\.0058 \(n=3\)$/);
    expect(lines[4]).toContain(ids.base.slice(-6));
    expect(text).toContain('mean ± standard error of the mean');

    const md = (await repro(R, 'exp', 'show', '--md')).stdout.split('\n');
    expect(md[0]).toBe('| run | commit | branch | time | seed | train.lr | m.json:acc |');
    expect(md[1]).toBe('| --- | --- | --- | --- | --- | ---: | ---: |');

    const csv = (await repro(R, 'exp', 'show', '--csv')).stdout.split('\n');
    expect(csv[0]).toBe('run,commit,branch,dirty,started_at,seeds,status,train.lr,m.json:acc,m.json:acc:sem,m.json:acc:n');
    expect(csv[3]).toMatch(new RegExp(`^${ids.base},[0-9a-f]{40},main,false,[^,]+,1,ok,0\\.1,1\\.01,,1$`));
  });

  it('on a narrow terminal leaves out the columns that do not fit, never wrapping a row', async () => {
    let out = '';
    const code = await main(['exp', 'show', '--no-only-changed'], {
      cwd: R,
      io: { out: (t) => void (out += t), err: () => {}, isTTY: true, columns: 60 },
    });
    expect(code).toBe(0);
    const lines = out.trimEnd().split('\n');
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(60);
    expect(lines[0]).toMatch(/^run +commit +branch +time +seed/);
    expect(out).toMatch(/\(5 more columns not shown: train\.depth, /);
  });

  it('says so when no run is recorded', async () => {
    const d = await repo({ 'a.txt': 'x\n' });
    const r = await repro(d, 'exp', 'show');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("no runs recorded on this branch's history ('repro exp show --all' lists every run)\n");
  });
});
