import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { git, repro, tempRepos, type CliResult } from '../helpers/repo.js';
import { read } from '../helpers/tree.js';

/**
 * `repro verify` on a commit whose Git-tracked outputs (metrics, plots) were edited by hand after
 * their stage ran: freshness fails with the lock line, guardrails do not pass on the edited values.
 */

const { dirs, repo } = tempRepos();

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** `git status` and every file's hash outside .git and .repro: what verify must leave alone. */
async function workTreeState(dir: string): Promise<{ status: string; files: Record<string, string> }> {
  const files: Record<string, string> = {};
  const walk = async (rel: string): Promise<void> => {
    for (const e of await readdir(join(dir, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (p === '.git' || p === '.repro') continue;
      if (e.isDirectory()) await walk(p);
      else files[p] = sha256(await readFile(join(dir, p), 'utf8'));
    }
  };
  await walk('');
  return { status: git(dir, 'status', '--porcelain', '--ignored'), files };
}

async function verifyCli(dir: string, ...args: string[]): Promise<CliResult> {
  const before = await workTreeState(dir);
  const r = await repro(dir, 'verify', ...args);
  expect(await workTreeState(dir)).toEqual(before);
  return r;
}

async function verifyJson(dir: string, ...args: string[]) {
  const r = await verifyCli(dir, '--json', ...args);
  return { ...r, body: JSON.parse(r.stdout) };
}

const TRAIN = `#!/bin/sh
mkdir -p metrics plots
printf '{"accuracy": %s}\\n' "$(cat acc.txt)" > metrics/train.json
echo weights > model.bin
printf 'step,loss\\n1,0.5\\n2,0.25\\n' > plots/loss.csv
`;

const PIPELINE = {
  '.gitignore': '/.repro\n',
  'acc.txt': '0.86\n',
  'train.sh': TRAIN,
  'repro.yaml': `version: 1
stages:
  train:
    cmd: ./train.sh
    deps: [train.sh, acc.txt]
    outs: [model.bin]
    metrics: [metrics/train.json]
    plots: [plots/loss.csv]
  report:
    cmd: cp metrics/train.json report.json
    deps: [metrics/train.json]
    outs: [report.json]
checks:
  "metrics/train.json:accuracy": { min: 0.05, max_drop: 0.01 }
`,
};

/** Run (with a run record) and commit; returns the lock text. */
async function runAndCommit(dir: string): Promise<string> {
  const r = await repro(dir, 'run');
  expect(r.code, r.stdout + r.stderr).toBe(0);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'run');
  return read(dir, 'repro.lock');
}

/** 1-based line of `      <path>:` under `train`'s out_hashes in the lock text. */
function outHashLine(lockText: string, path: string): number {
  const lines = lockText.split('\n');
  const start = lines.indexOf('    out_hashes:', lines.indexOf('  train:'));
  return lines.indexOf(`      ${path}:`, start) + 1;
}

const TAMPERED = '{"accuracy": 0.1}\n';

describe('repro verify: Git-tracked outputs edited after their stage ran', () => {
  it('a hand-edited metrics file fails freshness with the lock line, and its guardrails are not judged', async () => {
    const d = await repo(PIPELINE);
    const lockText = await runAndCommit(d);
    expect((await verifyCli(d)).code).toBe(0);

    await writeFile(join(d, 'metrics/train.json'), TAMPERED);
    git(d, 'commit', '-qam', 'better numbers');
    const status = await repro(d, 'status');
    expect(status.stdout).toContain("output modified: 'metrics/train.json'");

    const lockHash = sha256('{"accuracy": 0.86}\n');
    const line = outHashLine(lockText, 'metrics/train.json');
    expect(line).toBeGreaterThan(0);
    const r = await verifyCli(d);
    expect(r.code, r.stdout).toBe(1);
    expect(r.stdout).toMatch(/^freshness +FAIL +2 of 2 stages not fresh: train, report$/m);
    expect(r.stdout).toContain(
      `    train: output modified: 'metrics/train.json' (lock ${lockHash.slice(0, 8)} -> checkout ${sha256(TAMPERED).slice(0, 8)}, repro.lock:${line})`,
    );
    expect(r.stdout).toContain("    report: upstream stage 'train' changes");
    expect(r.stdout).not.toMatch(/^guardrails +PASS/m);
    expect(r.stdout).toMatch(/^guardrails +FAIL /m);
    expect(r.stdout).toContain(
      "fail: metrics/train.json:accuracy: matches repro.lock: not judged: 'metrics/train.json' does not match repro.lock",
    );
    expect(r.stdout.trim().split('\n').at(-1)).toBe('verify FAILED: freshness, guardrails');

    const { body } = await verifyJson(d);
    expect(body.ok).toBe(false);
    expect(body.freshness.stages[0]).toEqual({
      name: 'train',
      status: 'stale',
      file: 'repro.yaml',
      line: 3,
      reasons: [{ kind: 'out-modified', path: 'metrics/train.json', from: lockHash, to: sha256(TAMPERED), lock_line: line }],
    });
    expect(body.guardrails.rows).toEqual([
      expect.objectContaining({
        metric: 'metrics/train.json:accuracy',
        status: 'fail',
        rule: 'matches repro.lock',
        head: null,
        delta: null,
        change: null,
      }),
    ]);

    // with --base, the base's value is shown but the edited head value is not judged either
    const based = await verifyJson(d, '--base', 'HEAD~1');
    expect(based.code).toBe(1);
    expect(based.body.guardrails.rows[0]).toMatchObject({
      status: 'fail',
      rule: 'matches repro.lock',
      head: null,
      base: { mean: 0.86, n: 1 },
    });

    // putting the file back as the stage wrote it passes again
    await writeFile(join(d, 'metrics/train.json'), '{"accuracy": 0.86}\n');
    git(d, 'commit', '-qam', 'revert');
    const back = await verifyCli(d);
    expect(back.code, back.stdout).toBe(0);
    expect(back.stdout).toMatch(/^guardrails +PASS /m);
  });

  it('a fresh clone (no run records, no cache) fails the same way', async () => {
    const d = await repo(PIPELINE);
    await runAndCommit(d);
    await writeFile(join(d, 'metrics/train.json'), TAMPERED);
    git(d, 'commit', '-qam', 'better numbers');
    const parent = await mkdtemp(join(tmpdir(), 'repro-clone-'));
    dirs.push(parent);
    git(parent, 'clone', '-q', d, join(parent, 'c'));
    const { body, code } = await verifyJson(join(parent, 'c'));
    expect(code).toBe(1);
    expect(body.freshness.stages.map((s: { status: string }) => s.status)).toEqual(['stale', 'stale']);
    expect(body.freshness.stages[0].reasons[0]).toMatchObject({ kind: 'out-modified', path: 'metrics/train.json' });
    expect(body.guardrails.status).toBe('fail');
    expect(body.guardrails.rows[0]).toMatchObject({ rule: 'matches repro.lock', head: null });
  });

  it('an edited plots file makes its stage stale; guardrails on untouched metrics are still judged', async () => {
    const d = await repo(PIPELINE);
    await runAndCommit(d);
    await writeFile(join(d, 'plots/loss.csv'), 'step,loss\n1,0.1\n2,0.05\n');
    const { body, code } = await verifyJson(d);
    expect(code).toBe(1);
    expect(body.freshness.stages[0].reasons).toEqual([expect.objectContaining({ kind: 'out-modified', path: 'plots/loss.csv' })]);
    expect(body.guardrails.rows[0]).toMatchObject({ status: 'pass', head: { mean: 0.86, n: 1 } });
  });

  it('outputs kept out of Git, and Git-tracked outputs absent from the checkout, are not compared', async () => {
    const d = await repo(PIPELINE);
    await runAndCommit(d);
    await writeFile(join(d, 'model.bin'), 'other weights\n'); // git-ignored: not part of the commit
    expect((await verifyJson(d)).body.freshness.status).toBe('pass');
    git(d, 'rm', '-q', 'plots/loss.csv');
    const { body } = await verifyJson(d);
    expect(body.freshness.stages.map((s: { status: string }) => s.status)).toEqual(['fresh', 'fresh']);
  });
});
