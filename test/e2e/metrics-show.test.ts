import { describe, it, expect, beforeAll } from 'vitest';
import { repro, git, tempRepos } from '../helpers/repo.js';

/** `repro metrics show [REV...]`: every metrics file, nested keys flattened, a sweep's spread. */
const FILES = {
  'params.yaml': 'lr: 0.1\n',
  'repro.yaml': `version: 1
seed: 1
stages:
  train:
    cmd: "awk -v s=$REPRO_SEED -v lr=\${lr} 'BEGIN { printf \\"{\\\\\\"acc\\\\\\": %.4f, \\\\\\"eval\\\\\\": {\\\\\\"f1\\\\\\": 0.5}}\\\\n\\", lr*10 + s/100 > \\"m.json\\"; print \\"loss: 0.25\\" > \\"other.yaml\\" }'"
    params: [lr]
    metrics: [m.json, other.yaml]
`,
};

const { repo } = tempRepos({ after: 'all' });

async function json(dir: string, ...args: string[]): Promise<any> {
  const r = await repro(dir, ...args, '--json');
  if (r.code !== 0) throw new Error(`repro ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

let R: string;
beforeAll(async () => {
  R = await repo(FILES);
  await json(R, 'run');
  git(R, 'add', '-A');
  git(R, 'commit', '-qm', 'one seed');
  await json(R, 'run', '--seeds', '1-3', '-S', 'lr=0.2');
  git(R, 'add', '-A');
  git(R, 'commit', '-qm', 'sweep');
}, 60_000);

describe('repro metrics show', () => {
  it('the workspace: every file, nested keys flattened, mean ± sem and a 95% CI over the seeds', async () => {
    const body = await json(R, 'metrics', 'show');
    expect(body.sides).toHaveLength(1);
    const side = body.sides[0];
    expect(side.label).toBe('workspace');
    expect(side.metrics.map((m: any) => m.name)).toEqual(['m.json:acc', 'm.json:eval.f1', 'other.yaml:loss']);
    const acc = side.metrics[0];
    expect(acc).toMatchObject({ file: 'm.json', key: 'acc', n: 3 });
    expect(acc.mean).toBeCloseTo(2.02, 10);
    expect(acc.sem).toBeCloseTo(0.01 / Math.sqrt(3), 10);
    const half = 4.302652729911275 * (0.01 / Math.sqrt(3)); // t(0.975, 2) · sem
    expect(acc.ci95[0]).toBeCloseTo(2.02 - half, 8);
    expect(acc.ci95[1]).toBeCloseTo(2.02 + half, 8);
    expect([...acc.seeds].sort()).toEqual([1, 2, 3]);

    const text = (await repro(R, 'metrics', 'show')).stdout.split('\n');
    expect(text[0]).toMatch(/^file +key +value$/);
    expect(text[1]).toBe('m.json      acc      2.02 ± 0.0058, 95% CI [1.9952, 2.0448] (n=3)');
    expect(text[2]).toMatch(/^m\.json +eval\.f1 +0\.5 ± 0, 95% CI \[0\.5, 0\.5\] \(n=3\)$/);
    expect(text[3]).toMatch(/^other\.yaml +loss +0\.25 ± 0, /);
    expect((await repro(R, 'metrics', 'show', '--precision', '2')).stdout).toContain('2.02 ± 0.01, 95% CI [2, 2.04] (n=3)');
  });

  it('revisions side by side, --md', async () => {
    const body = await json(R, 'metrics', 'show', 'HEAD~1', 'HEAD');
    expect(body.sides.map((s: any) => s.label)).toEqual(['HEAD~1', 'HEAD']);
    expect(body.sides[0].metrics[0]).toMatchObject({ name: 'm.json:acc', n: 1, mean: 1.01, sem: null, ci95: null });
    expect(body.sides[1].metrics[0].n).toBe(3);
    const md = (await repro(R, 'metrics', 'show', 'HEAD~1', 'HEAD', '--md')).stdout.split('\n');
    expect(md[0]).toBe('| file | key | HEAD~1 | HEAD |');
    expect(md[2]).toBe('| m.json | acc | 1.01 | 2.02 ± 0.0058, 95% CI [1.9952, 2.0448] (n=3) |');
    const bad = await repro(R, 'metrics', 'show', 'nope');
    expect(bad.code).toBe(2);
  });
});
