import { describe, it, expect } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repro, git, tempRepos } from '../helpers/repo.js';

/** Sample lists in a metrics file as metrics: `key:p95` in checks, tolerance, diff, exp show. */
const yaml = (checks: string) => `version: 1
stages:
  serve:
    cmd: "awk -v k=\${scale} 'BEGIN { s = \\"\\"; for (i = 1; i <= 20; i++) s = s (i > 1 ? \\", \\" : \\"\\") i * k; print \\"{\\\\\\"latency_ms\\\\\\": [\\" s \\"], \\\\\\"acc\\\\\\": 0.9}\\" > \\"metrics.json\\" }'"
    params: [scale]
    metrics: [metrics.json]
    tolerance:
      "metrics.json:latency_ms:p95": 0.5
checks:
${checks}`;

const { repo } = tempRepos();

async function setup(checks: string): Promise<string> {
  const d = await repo({ 'params.yaml': 'scale: 1\n', 'repro.yaml': yaml(checks), '.gitignore': '/.repro\n' });
  expect((await repro(d, 'run')).code).toBe(0);
  git(d, 'add', '-A');
  git(d, 'commit', '-qm', 'base');
  return d;
}

describe('percentiles as metrics', () => {
  it('a guardrail on a p95 fails when the tail rises past max_rise_pct; diff and exp show list the summaries', async () => {
    const d = await setup('  "metrics.json:latency_ms:p95": { max_rise_pct: 20 }\n');
    git(d, 'checkout', '-qb', 'feature');
    await writeFile(join(d, 'params.yaml'), 'scale: 1.5\n');
    expect((await repro(d, 'run')).code).toBe(0);
    git(d, 'commit', '-qam', 'slower');
    const v = await repro(d, 'verify', '--base', 'main', '--json');
    const body = JSON.parse(v.stdout);
    expect(v.code).toBe(1);
    expect(body.rules.status).toBe('pass');
    const row = body.guardrails.rows.find((r: any) => r.metric === 'metrics.json:latency_ms:p95');
    expect(row).toMatchObject({ status: 'fail', change: 'regressed' });
    expect(row.base.mean).toBeCloseTo(19.05, 10); // 1..20: h = 19·0.95 = 18.05 → 19.05
    expect(row.head.mean).toBeCloseTo(28.575, 10);

    const diff = JSON.parse((await repro(d, 'diff', 'main', 'HEAD', '--all', '--json')).stdout);
    const keys = diff.metrics.rows.map((r: any) => r.key);
    expect(keys).toEqual(
      expect.arrayContaining(['metrics.json:latency_ms:p50', 'metrics.json:latency_ms:p99', 'metrics.json:latency_ms:n']),
    );
    expect(keys.some((k: string) => /latency_ms\.\d/.test(k))).toBe(false);

    const exp = JSON.parse((await repro(d, 'exp', 'show', '--json', '--metrics', '*:p95')).stdout);
    expect(exp.columns.metrics).toEqual(['metrics.json:latency_ms:p95']);
  });

  it('rules and guardrails agree: a list, a misspelt summary, with a did-you-mean that is never a list element', async () => {
    const d = await setup('  "metrics.json:latncy_ms:p95": { max: 100 }\n  "metrics.json:latency_ms": { max: 100 }\n');
    const body = JSON.parse((await repro(d, 'verify', '--json')).stdout);
    const problems = body.rules.rules.map((r: any) => r.problem);
    expect(problems).toContain(
      "check 'metrics.json:latency_ms' names a list of samples in 'metrics.json', not one number: 'latency_ms' (name a summary: 'latency_ms:p95', ':p50', ':p99', ':mean', ':max' or ':n')",
    );
    expect(problems).toContain(
      "check 'metrics.json:latncy_ms:p95' names a metric that does not exist in 'metrics.json': 'latncy_ms:p95' (did you mean 'latency_ms:p95'?)",
    );
    const guard = body.guardrails?.rows ?? [];
    for (const r of guard) expect(r.status).toBe('fail');
  });
});
