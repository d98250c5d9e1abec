import { describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { git, repro, tempRepos } from '../helpers/repo.js';

// `repro diff`: the side header counts what the rows count, and a metric that differs in any
// per-seed value is shown by default (issue 13).
const { repo } = tempRepos();

// acc: the `order` param picks a per-seed table; `0.91 0.92 0.93` and `0.92 0.91 0.93` have the
// same mean but differ for seeds 1 and 2. loss: its own stage and param.
const PIPELINE = `version: 1
seed: 1
stages:
  a:
    cmd: sh acc.sh \${order}
    deps: [acc.sh]
    params: [order]
    metrics: [a.json]
  b:
    cmd: sh loss.sh \${x}
    deps: [loss.sh]
    params: [x]
    metrics: [b.json]
`;
const ACC = `awk -v s="$REPRO_SEED" -v o="$1" 'BEGIN { split(o, t, "-"); printf "{\\"acc\\": %s}\\n", t[s] > "a.json" }'\n`;
const LOSS = `awk -v s="$REPRO_SEED" -v x="$1" 'BEGIN { printf "{\\"loss\\": %s}\\n", x + s / 100 > "b.json" }'\n`;
const FILES = { 'repro.yaml': PIPELINE, 'acc.sh': ACC, 'loss.sh': LOSS };

async function json(d: string, ...args: string[]) {
  const r = await repro(d, ...args, '--json');
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

async function commit(d: string, msg: string): Promise<void> {
  git(d, 'add', '-A');
  git(d, 'commit', '-qm', msg);
}

describe('repro diff counts', () => {
  it('the header counts the values behind the rows, a sweep read from seed_metrics included', async () => {
    const d = await repo({ ...FILES, 'params.yaml': 'order: 0.91-0.92\nx: 1\n' });
    await json(d, 'run', '--seeds', '1-2');
    await commit(d, 'sweep');
    // One run changes stage b only: stage a keeps its sweep in repro.lock seed_metrics, while the
    // sweep's own runs no longer match the lock. acc has n=2 there, loss n=1.
    await writeFile(join(d, 'params.yaml'), 'order: 0.91-0.92\nx: 2\n');
    await json(d, 'run');
    await commit(d, 'one');
    const res = await json(d, 'diff', 'HEAD~1', 'HEAD', '--all');
    expect(res.a.n).toEqual([2, 2]);
    expect(res.b.runs).toHaveLength(1);
    expect(res.b.n).toEqual([1, 2]);
    expect(res.metrics.rows.find((r: any) => r.key === 'a.json:acc').b.n).toBe(2);
    const text = (await repro(d, 'diff', 'HEAD~1', 'HEAD')).stdout;
    expect(text.split('\n')[0]).toMatch(/^repro diff: HEAD~1 \(\w{7}, 2 runs\) -> HEAD \(\w{7}, 1–2 runs\)$/);
  });

  it('a metric whose per-seed values differ is shown by default, even with equal means', async () => {
    const d = await repo({ ...FILES, 'params.yaml': 'order: 0.91-0.92\nx: 1\n' });
    await json(d, 'run', '--seeds', '1-2');
    await commit(d, 'base');
    await writeFile(join(d, 'params.yaml'), 'order: 0.92-0.91\nx: 1\n');
    await json(d, 'run', '--seeds', '1-2');
    await commit(d, 'swapped');
    const res = await json(d, 'diff', 'HEAD~1', 'HEAD');
    const acc = res.metrics.rows.find((r: any) => r.key === 'a.json:acc');
    expect(acc).toMatchObject({ test: 'paired', verdict: 'no significant change' });
    expect(acc.a.values).not.toEqual(acc.b.values);
    expect(res.metrics.rows.map((r: any) => r.key)).toEqual(['a.json:acc']); // loss is the same per seed: hidden
    const text = (await repro(d, 'diff', 'HEAD~1', 'HEAD')).stdout;
    const line = text.split('\n').find((l) => l.includes('a.json:acc'))!;
    expect(line).toMatch(/\(n=2\)\s+0\s+0\.00%\s+\[/); // the residue of equal means reads 0, not +0
  });
});
