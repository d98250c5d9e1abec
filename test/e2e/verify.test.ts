import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseLock, serializeLock } from '../../src/lock/index.js';
import { run } from '../../src/ops/run/run.js';
import { verify } from '../../src/ops/verify/verify.js';
import { git, repro, type CliResult, tempRepos } from '../helpers/repo.js';
import { CHAIN as BASE_CHAIN, read, writeTree } from '../helpers/tree.js';

const { dirs, repo } = tempRepos();

/** What verify must never change: `git status`, and every file's content outside .git and .repro. */
async function workTreeState(dir: string): Promise<{ status: string; files: Record<string, string> }> {
  const files: Record<string, string> = {};
  const walk = async (rel: string): Promise<void> => {
    for (const e of await readdir(join(dir, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (p === '.git' || p === '.repro') continue;
      if (e.isDirectory()) await walk(p);
      else
        files[p] = createHash('sha256')
          .update(await readFile(join(dir, p)))
          .digest('hex');
    }
  };
  await walk('');
  return { status: git(dir, 'status', '--porcelain', '--ignored'), files };
}

/** `repro verify ARGS` in-process, asserting the work tree is the same before and after. */
async function verifyCli(dir: string, ...args: string[]): Promise<CliResult> {
  const before = await workTreeState(dir);
  const r = await repro(dir, 'verify', ...args);
  const after = await workTreeState(dir);
  // report files the test asked for are the only new files allowed
  const reports = args.flatMap((a, i) => (args[i - 1] === '--md' || args[i - 1] === '--junit' ? [a] : []));
  for (const p of reports) delete after.files[p];
  after.status = after.status
    .split('\n')
    .filter((l) => !reports.some((p) => l === `?? ${p}`))
    .join('\n');
  expect(after).toEqual(before);
  return r;
}

async function verifyJson(dir: string, ...args: string[]) {
  const r = await verifyCli(dir, '--json', ...args);
  return { ...r, body: JSON.parse(r.stdout) };
}

async function runAndCommit(dir: string, ...args: string[]): Promise<void> {
  const r = await repro(dir, 'run', '--no-record', ...args);
  expect(r.code, r.stdout + r.stderr).toBe(0);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'run');
}

const CHAIN = { ...BASE_CHAIN, '.gitignore': '/.repro\n' };

describe('repro verify: freshness and data', () => {
  it('a fresh pipeline passes, one line per check', async () => {
    const d = await repo(CHAIN);
    await runAndCommit(d);
    const r = await verifyCli(d);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^verify [0-9a-f]{7}$/);
    expect(lines.slice(1, 6).map((l) => l.split(/\s+/).slice(0, 2).join(' '))).toEqual([
      'freshness PASS',
      'data PASS',
      'rules PASS',
      'rerun SKIP',
      'guardrails SKIP',
    ]);
    expect(lines.at(-1)).toBe('verify passed');
    const { body } = await verifyJson(d);
    expect(body.ok).toBe(true);
    expect(body.freshness.stages.map((s: { name: string; status: string }) => [s.name, s.status])).toEqual([
      ['a', 'fresh'],
      ['b', 'fresh'],
    ]);
    expect(body.data.outputs.map((o: { status: string }) => o.status)).toEqual(['in-cache', 'in-cache']);
  });

  it('a fresh git clone without data or cache passes freshness; missing data is a warning naming the missing remote', async () => {
    const d = await repo(CHAIN);
    await runAndCommit(d);
    const parent = await mkdtemp(join(tmpdir(), 'repro-clone-'));
    dirs.push(parent);
    const c = join(parent, 'clone');
    git(parent, 'clone', '-q', d, c);
    const r = await verifyJson(c);
    expect(r.code, r.stderr).toBe(0);
    expect(r.body.freshness.status).toBe('pass');
    expect(r.body.data.status).toBe('warn');
    expect(r.body.data.outputs.map((o: { status: string }) => o.status)).toEqual(['missing', 'missing']);
    expect(r.body.data.note).toContain('remotes are not configured');
    const text = await verifyCli(c);
    expect(text.stdout).toMatch(/^data +WARN +2 of 2 recorded outputs are not in the local cache; remotes are not configured/m);
    expect(text.stdout).toContain('verify passed with warnings: data');

    // With a remote configured (an old-style remote.url) it is checked too: not there either fails.
    await mkdir(join(parent, 'store'));
    await writeFile(join(c, '.exprc'), `remote:\n  url: ${join(parent, 'store')}\n`);
    const withRemote = await verifyJson(c);
    expect(withRemote.code).toBe(1);
    expect(withRemote.body.data.status).toBe('fail');
    expect(withRemote.body.data.remote).toBe(`'default' (${join(parent, 'store')})`);
    expect(withRemote.body.data.note).toContain("in neither the local cache nor remote 'default'");
  });

  it("a fresh clone passes when a dep lies inside another stage's output directory", async () => {
    const d = await repo({
      '.gitignore': '/.repro\n',
      'repro.yaml': `version: 1
stages:
  prep:
    cmd: mkdir -p data/prepared && echo x > data/prepared/train.csv && echo y > data/prepared/test.csv
    outs: [data/prepared/]
  train:
    cmd: cat data/prepared/train.csv > model.txt
    deps: [data/prepared/train.csv]
    outs: [model.txt]
`,
    });
    await runAndCommit(d);
    const parent = await mkdtemp(join(tmpdir(), 'repro-clone-'));
    dirs.push(parent);
    git(parent, 'clone', '-q', d, join(parent, 'c'));
    const { body, code } = await verifyJson(join(parent, 'c'));
    expect(code, JSON.stringify(body.freshness)).toBe(0);
    expect(body.freshness.status).toBe('pass');
    // in the original, the dep is read: an edit inside the output directory is seen
    await writeFile(join(d, 'data/prepared/train.csv'), 'edited\n');
    const edited = await verifyJson(d);
    expect(edited.body.freshness.stages.find((s: { name: string }) => s.name === 'train').reasons).toEqual([
      expect.objectContaining({ kind: 'dep', path: 'data/prepared/train.csv' }),
    ]);
  });

  it('an edited dep without a re-run fails, naming the stage and the dep; downstream is stale through it', async () => {
    const d = await repo(CHAIN);
    await runAndCommit(d);
    await writeFile(join(d, 'in.txt'), '# a comment\nhello world\n');
    const r = await verifyCli(d);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^freshness +FAIL +2 of 2 stages not fresh: a, b$/m);
    expect(r.stdout).toMatch(/^ {4}a: dep changed: 'in\.txt' \([0-9a-f]{8} -> [0-9a-f]{8}\)$/m);
    expect(r.stdout).toContain("    b: upstream stage 'a' changes");
    expect(r.stdout).toMatch(/^verify FAILED: freshness$/m);
    expect(r.stdout).toMatch(/^verify [0-9a-f]{7} with uncommitted changes$/m);
    const { body } = await verifyJson(d);
    expect(body.freshness.stages[0]).toMatchObject({
      name: 'a',
      status: 'stale',
      file: 'repro.yaml',
      line: 3,
      reasons: [{ kind: 'dep', path: 'in.txt' }],
    });
    expect(body.dirty).toBe(true);
  });

  it('a param change, a stage never run and a lock entry for a removed stage all fail', async () => {
    const d = await repo(CHAIN);
    await runAndCommit(d);
    await writeFile(join(d, 'params.yaml'), 'b:\n  suffix: two\n');
    const yaml =
      (await read(d, 'repro.yaml')).replace(/ {2}a:\n[\s\S]*?(?= {2}b:)/, '') + '  c:\n    cmd: echo c > c.txt\n    outs: [c.txt]\n';
    await writeFile(join(d, 'repro.yaml'), yaml.replace('deps: [a.txt]', 'deps: [in.txt]'));
    const { body, code } = await verifyJson(d);
    expect(code).toBe(1);
    const by = Object.fromEntries(body.freshness.stages.map((s: { name: string }) => [s.name, s]));
    expect(by.b.status).toBe('stale');
    expect(by.b.reasons).toEqual(expect.arrayContaining([{ kind: 'param', file: 'params.yaml', key: 'b.suffix', from: 'one', to: 'two' }]));
    expect(by.c).toMatchObject({ status: 'never-run', file: 'repro.yaml' });
    expect(by.a).toMatchObject({ status: 'removed', file: 'repro.lock' });
    expect(by.a.line).toBeGreaterThan(1);
    const text = await verifyCli(d);
    expect(text.stdout).toContain('    c: in repro.yaml but never run (not in repro.lock)');
    expect(text.stdout).toContain('    a: in repro.lock but no longer in repro.yaml');
  });

  it('--warn-only reports the failure and exits 0', async () => {
    const d = await repo(CHAIN);
    await runAndCommit(d);
    await writeFile(join(d, 'in.txt'), 'changed\n');
    const r = await verifyCli(d, '--warn-only');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('verify FAILED: freshness (--warn-only: exit code 0)');
  });

  it('GitHub annotations point at the stage line in repro.yaml', async () => {
    const d = await repo(CHAIN);
    await runAndCommit(d);
    await writeFile(join(d, 'in.txt'), 'changed\n');
    const prev = process.env.GITHUB_ACTIONS;
    process.env.GITHUB_ACTIONS = 'true';
    try {
      const r = await verifyCli(d);
      expect(r.stdout).toMatch(/^::error file=repro\.yaml,line=3,title=repro verify%3A stage 'a' is not fresh::a: dep changed: 'in\.txt'/m);
      expect(r.stdout).toMatch(/^::error file=repro\.yaml,line=7,title=[^:]*::b: upstream stage 'a' changes$/m);
      const j = await verifyCli(d, '--json');
      expect(() => JSON.parse(j.stdout)).not.toThrow();
      expect(j.stderr).toContain('::error file=repro.yaml,line=3');
    } finally {
      if (prev === undefined) delete process.env.GITHUB_ACTIONS;
      else process.env.GITHUB_ACTIONS = prev;
    }
    expect((await verifyCli(d)).stdout).not.toContain('::error');
  });
});

describe('repro verify --rerun', () => {
  const STAMP = {
    '.gitignore': '/.repro\n',
    'repro.yaml': `version: 1
stages:
  clean:
    cmd: echo "same every time" > clean.txt
    outs: [clean.txt]
  stamp:
    cmd: "printf 'header\\nbuilt at %s\\nfooter\\n' \\"$(date +%s%N)\\" > stamp.txt"
    deps: [clean.txt]
    outs: [stamp.txt]
`,
  };

  it('a stage writing a timestamp fails, naming the stage, the output and the differing line', async () => {
    const d = await repo(STAMP);
    await runAndCommit(d);
    const r = await verifyCli(d, '--rerun');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^rerun +FAIL +1 of 2 stages did not reproduce: stamp$/m);
    expect(r.stdout).toContain("    stamp: not reproduced: 'stamp.txt' differs");
    expect(r.stdout).toMatch(/stamp\.txt: first differing line \(line 2\): 'built at \d+' -> 'built at \d+'.*\(looks like/);
    expect(r.stdout).toMatch(/^ +-built at \d+$/m);
    expect(r.stdout).toMatch(/^ +\+built at \d+$/m);
    const { body } = await verifyJson(d, '--rerun', 'stamp');
    expect(body.rerun.stages_requested).toEqual(['stamp']);
    expect(body.rerun.stages).toHaveLength(1);
    const out = body.rerun.stages[0];
    expect(out).toMatchObject({ name: 'stamp', status: 'not-reproduced', file: 'repro.yaml', line: 6 });
    expect(out.outputs[0]).toMatchObject({ path: 'stamp.txt', status: 'differs', first_line: 2 });
    expect(out.outputs[0].diff).toEqual(
      expect.arrayContaining([' header', expect.stringMatching(/^-built at \d+$/), expect.stringMatching(/^\+built at \d+$/)]),
    );
    const clean = await verifyJson(d, '--rerun', 'clean');
    expect(clean.code).toBe(0);
    expect(clean.body.rerun.stages[0]).toMatchObject({ name: 'clean', status: 'reproduced' });
  });

  it('--sample K re-runs K stages picked with a printed, repeatable seed', async () => {
    const d = await repo(STAMP);
    await runAndCommit(d);
    const a = await verifyJson(d, '--sample', '1', '--sample-seed', '7');
    const b = await verifyJson(d, '--sample', '1', '--sample-seed', '7');
    expect(a.body.rerun.sample).toEqual({ k: 1, seed: 7 });
    expect(a.body.rerun.stages_requested).toHaveLength(1);
    expect(b.body.rerun.stages_requested).toEqual(a.body.rerun.stages_requested);
    expect(a.stderr).toContain('--sample 1 --sample-seed 7');
    const random = await verifyCli(d, '--sample', '2');
    expect(random.stderr).toMatch(/sampled 2 of the stages with seed \d+/);
    expect(random.stdout).toMatch(/random sample of 2, seed \d+/);
  });

  it('deterministic: false with a tolerance passes when only noise differs', async () => {
    const d = await repo({
      '.gitignore': '/.repro\n',
      'repro.yaml': `version: 1
stages:
  train:
    cmd: "awk -v n=$(date +%N) 'BEGIN { printf \\"{\\\\\\"acc\\\\\\": %.6f, \\\\\\"n\\\\\\": 3}\\\\n\\", 0.9 + (n % 1000) / 1e6 }' > m.json && date +%N > model.bin"
    outs: [model.bin]
    metrics: [m.json]
    deterministic: false
    tolerance: { "m.json:acc": 0.01 }
`,
    });
    await runAndCommit(d);
    expect(JSON.parse(await read(d, 'm.json')).acc).toBeGreaterThan(0.89);
    const { body, code } = await verifyJson(d, '--rerun');
    expect(code, JSON.stringify(body.rerun)).toBe(0);
    expect(body.rerun.stages[0].status).toBe('within-tolerance');
    const m = body.rerun.stages[0].outputs.find((o: { path: string }) => o.path === 'm.json');
    expect(m.metrics.find((x: { key: string }) => x.key === 'acc')).toMatchObject({ tolerance: 0.01, within: true });
  });

  it('a stage whose command is missing on this machine fails, naming the stage', async () => {
    const tools = await mkdtemp(join(tmpdir(), 'repro-tools-'));
    dirs.push(tools);
    writeTree(tools, { 'mytool-xyz.sh': '#!/bin/sh\necho made > out.txt\n' });
    const d = await repo({
      '.gitignore': '/.repro\n',
      'repro.yaml': 'version: 1\nstages:\n  make:\n    cmd: mytool-xyz.sh\n    outs: [out.txt]\n',
    });
    const env = { ...process.env, PATH: `${tools}:${process.env.PATH}` };
    const r = await run({ cwd: d, record: false, env });
    expect(r.ok).toBe(true);
    git(d, 'add', '-A');
    git(d, 'commit', '-qm', 'run');
    const res = await verify({ cwd: d, rerun: true, env: process.env });
    expect(res.ok).toBe(false);
    expect(res.freshness.status).toBe('pass');
    const rr = res.rerun as { stages: { name: string; status: string; error: string }[] };
    expect(rr.stages[0]).toMatchObject({ name: 'make', status: 'failed' });
    expect(rr.stages[0].error).toMatch(/^command not found on this machine.*mytool-xyz\.sh/);
  });
});

describe('repro verify --base', () => {
  const MODEL = {
    '.gitignore': '/.repro\n',
    'params.yaml': 'train:\n  acc: 0.9\n  loss: 0.3\n',
    'repro.yaml': `version: 1
stages:
  train:
    cmd: "printf '{\\"accuracy\\": \${train.acc}, \\"loss\\": \${train.loss}}\\\\n' > metrics.json"
    params: [train]
    metrics: [metrics.json]
checks:
  "metrics.json:accuracy": { min: 0.5, max_drop: 0.01 }
  "metrics.json:loss": { max_rise: 0.05 }
`,
  };

  async function featureBranch(acc: string, loss = '0.3'): Promise<string> {
    const d = await repo(MODEL);
    await runAndCommit(d);
    git(d, 'checkout', '-qb', 'feature');
    await writeFile(join(d, 'params.yaml'), `train:\n  acc: ${acc}\n  loss: ${loss}\n`);
    await runAndCommit(d);
    return d;
  }

  it('a metric drop past max_drop on a feature branch fails against main, naming the rule', async () => {
    const d = await featureBranch('0.85');
    const r = await verifyCli(d, '--base', 'main');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^guardrails +FAIL +2 checks against main \([0-9a-f]{7}\): 1 failed$/m);
    expect(r.stdout).toContain('    fail: metrics.json:accuracy: max_drop 0.01: dropped by 0.05, more than the allowed 0.01');
    const { body } = await verifyJson(d, '--base', 'main');
    expect(body.guardrails.base).toEqual({ ref: 'main', commit: git(d, 'rev-parse', 'main').trim() });
    expect(body.guardrails.rows).toEqual([
      expect.objectContaining({ metric: 'metrics.json:accuracy', status: 'fail', rule: 'max_drop 0.01', change: 'regressed', line: 8 }),
      expect.objectContaining({ metric: 'metrics.json:loss', status: 'pass', rule: 'max_rise 0.05', change: 'unchanged' }),
    ]);
    expect(body.guardrails.rows[0].base.mean).toBe(0.9);
    expect(body.guardrails.rows[0].head.mean).toBe(0.85);
    expect(body.guardrails.rows[0].delta).toBeCloseTo(-0.05, 12);
  });

  it('a small drop and a loss that falls pass; a loss that rises past max_rise fails', async () => {
    const ok = await featureBranch('0.895', '0.1');
    expect((await verifyCli(ok, '--base', 'main')).code).toBe(0);
    const worse = await featureBranch('0.9', '0.4');
    const { body, code } = await verifyJson(worse, '--base', 'main');
    expect(code).toBe(1);
    expect(body.guardrails.rows[1]).toMatchObject({
      metric: 'metrics.json:loss',
      status: 'fail',
      rule: 'max_rise 0.05',
      change: 'regressed',
    });
  });

  it('with several seeds per side, a drop within the uncertainty only warns and says which rule decided', async () => {
    const d = await featureBranch('0.9', '0.31');
    // the sweeps' values, as `repro run --seeds` commits them in repro.lock
    const sweep = async (values: number[]): Promise<void> => {
      const lock = parseLock(await read(d, 'repro.lock'));
      lock.stages.train!.seed_metrics = Object.fromEntries(
        values.map((v, i) => [String(i + 1), { 'metrics.json:accuracy': v, 'metrics.json:loss': 0.3 }]),
      );
      await writeFile(join(d, 'repro.lock'), serializeLock(lock));
    };
    git(d, 'checkout', '-q', 'main');
    await sweep([0.9, 0.91, 0.92]);
    git(d, 'commit', '-qam', 'sweep on main');
    git(d, 'checkout', '-q', 'feature');
    await sweep([0.905, 0.885, 0.9]); // paired differences 0.005, -0.025, -0.02: mean drop 0.0133 > 0.01, CI −0.027 to 0.053
    git(d, 'commit', '-qam', 'sweep on feature');
    const { body, code } = await verifyJson(d, '--base', 'main');
    expect(code).toBe(0);
    const acc = body.guardrails.rows[0];
    expect(acc).toMatchObject({ status: 'warn', rule: 'max_drop 0.01' });
    expect(acc.reason).toContain('within the uncertainty');
    expect(acc.base.n).toBe(3);
    expect(acc.ci).toHaveLength(2);
    const text = await verifyCli(d, '--base', 'main');
    expect(text.stdout).toContain('verify passed with warnings: guardrails');
  });

  it('a check naming a metric that does not exist fails, naming the rule, with and without --base', async () => {
    const d = await repo({ ...MODEL, 'repro.yaml': MODEL['repro.yaml'].replace('"metrics.json:loss"', '"metrics.json:los"') });
    await runAndCommit(d);
    const r = await verifyCli(d);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      "    check 'metrics.json:los' names a metric that does not exist in 'metrics.json': 'los' (did you mean 'loss'?)",
    );
    const { body } = await verifyJson(d, '--base', 'HEAD');
    expect(body.guardrails.rows.find((x: { metric: string }) => x.metric === 'metrics.json:los')).toMatchObject({
      status: 'fail',
      head: null,
    });
  });

  describe('without --base: the min/max bounds of checks:', () => {
    const withRules = (accuracy: string, loss = '{ max_rise: 0.05 }'): Record<string, string> => ({
      ...MODEL,
      'repro.yaml': MODEL['repro.yaml']
        .replace('"metrics.json:accuracy": { min: 0.5, max_drop: 0.01 }', `"metrics.json:accuracy": ${accuracy}`)
        .replace('"metrics.json:loss": { max_rise: 0.05 }', `"metrics.json:loss": ${loss}`),
    });

    it('plain verify fails when a metric is below its min, naming the metric and the rule', async () => {
      const d = await repo({ ...MODEL, 'params.yaml': 'train:\n  acc: 0.4\n  loss: 0.3\n' });
      await runAndCommit(d);
      const r = await verifyCli(d);
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stdout).toMatch(/^guardrails +FAIL +1 check of absolute bounds \(min\/max\): 1 failed; --base REF also judges drops$/m);
      expect(r.stdout).toContain('    fail: metrics.json:accuracy: min 0.5: mean 0.4 is below the min 0.5');
      expect(r.stdout).toMatch(/^verify FAILED: guardrails$/m);
      const { body } = await verifyJson(d);
      expect(body.ok).toBe(false);
      // the loss rule has only max_rise: not judged without a base, no row
      expect(body.guardrails.rows).toEqual([
        expect.objectContaining({
          metric: 'metrics.json:accuracy',
          status: 'fail',
          rule: 'min 0.5',
          base: null,
          delta: null,
          ci: null,
          change: null,
          line: 8,
        }),
      ]);
      expect(body.guardrails.rows[0].head.mean).toBe(0.4);
    });

    it('passes within the bounds and shows the guardrail line; the comment has a table without a base', async () => {
      const d = await repo(withRules('{ min: 0.5, max: 0.95, max_drop: 0.01 }'));
      await runAndCommit(d);
      const r = await verifyCli(d, '--md', 'report.md');
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^guardrails +PASS +1 check of absolute bounds \(min\/max\), all passed; --base REF also judges drops$/m);
      expect(r.stdout.trim().split('\n').at(-1)).toBe('verify passed');
      const md = await read(d, 'report.md');
      expect(md).toContain('#### Guardrails: absolute bounds (min/max; `--base REF` also judges drops)');
      expect(md).toContain('| `metrics.json:accuracy` | 0.9 | min 0.5, max 0.95 | ✅ pass |');
      expect(md).not.toContain('Guardrails against');
      // above the max fails
      await writeFile(join(d, 'params.yaml'), 'train:\n  acc: 0.97\n  loss: 0.3\n');
      await runAndCommit(d);
      const { body, code } = await verifyJson(d);
      expect(code).toBe(1);
      expect(body.guardrails.rows[0]).toMatchObject({ status: 'fail', rule: 'max 0.95', reason: 'mean 0.97 is above the max 0.95' });
    });

    it('rules with only drop/rise limits are not judged: guardrails skip', async () => {
      const d = await repo(withRules('{ max_drop: 0.01 }'));
      await runAndCommit(d);
      const r = await verifyCli(d);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^guardrails +SKIP +no min\/max checks: to judge drops and rises, give --base REF$/m);
      expect((await verifyJson(d)).body.guardrails).toEqual({ status: 'skip' });
      // with --base they are judged as before
      const based = await verifyJson(d, '--base', 'HEAD');
      expect(based.body.guardrails.rows.map((x: { rule: string }) => x.rule)).toEqual(['max_drop 0.01', 'max_rise 0.05']);
    });

    it('--json has guardrails.base null; a bound on a metric the head lacks fails', async () => {
      const files = withRules('{ min: 0.5 }', '{ max: 1 }');
      const d = await repo({ ...files, 'repro.yaml': files['repro.yaml']!.replace('"metrics.json:loss"', '"metrics.json:los"') });
      await runAndCommit(d);
      const { body, code } = await verifyJson(d);
      expect(code).toBe(1);
      expect(Object.keys(body.guardrails)).toEqual(['status', 'base', 'rows']);
      expect(body.guardrails).toMatchObject({ status: 'fail', base: null });
      expect(body.guardrails.rows).toEqual([
        expect.objectContaining({ metric: 'metrics.json:accuracy', status: 'pass', rule: 'min 0.5', base: null }),
        expect.objectContaining({ metric: 'metrics.json:los', status: 'fail', rule: 'metric exists', head: null }),
      ]);
      expect(Object.keys(body.guardrails.rows[0]).sort()).toEqual([
        'base',
        'change',
        'ci',
        'delta',
        'file',
        'head',
        'line',
        'metric',
        'reason',
        'rule',
        'status',
      ]);
    });
  });

  it('a tolerance on a non-numeric value fails, naming the stage and the rule', async () => {
    const d = await repo({
      '.gitignore': '/.repro\n',
      'repro.yaml': `version: 1
stages:
  train:
    cmd: "echo '{\\"acc\\": 0.9, \\"label\\": \\"best\\"}' > m.json"
    metrics: [m.json]
    deterministic: false
    tolerance: { "m.json:label": 0.1 }
`,
    });
    await runAndCommit(d);
    const { body, code } = await verifyJson(d);
    expect(code).toBe(1);
    expect(body.rules.rules[0]).toMatchObject({ kind: 'tolerance', metric: 'm.json:label', stage: 'train', status: 'fail', line: 3 });
    expect(body.rules.rules[0].problem).toBe(`tolerance 'm.json:label' of stage 'train' names a non-numeric value in 'm.json': "best"`);
  });
});

describe('repro verify reports', () => {
  async function failingRepo(): Promise<string> {
    const d = await repo({
      '.gitignore': '/.repro\n',
      'params.yaml': 'acc: 0.9\n',
      'repro.yaml': `version: 1
stages:
  prep:
    cmd: echo prep > prep.txt
    outs: [prep.txt]
  train:
    cmd: "cat prep.txt > model.txt && printf '{\\"acc\\": \${acc}}' > m.json"
    deps: [prep.txt]
    params: [acc]
    outs: [model.txt]
    metrics: [m.json]
checks:
  "m.json:acc": { max_drop: 0.01 }
`,
    });
    await runAndCommit(d);
    git(d, 'checkout', '-qb', 'feature');
    await writeFile(join(d, 'params.yaml'), 'acc: 0.8\n');
    await runAndCommit(d);
    await writeFile(join(d, 'params.yaml'), 'acc: 0.7\n'); // stale: not re-run
    return d;
  }

  it('--md writes a stable pull-request comment with a marker, the decision table, re-runs and stale stages', async () => {
    const d = await failingRepo();
    const r = await verifyCli(d, '--base', 'main', '--rerun', 'prep', '--md', 'report.md');
    expect(r.code).toBe(1);
    const md = await read(d, 'report.md');
    const lines = md.split('\n');
    expect(lines[0]).toBe('<!-- repro-verify -->');
    expect(lines[1]).toBe('### ❌ repro verify failed');
    expect(md).toContain('| check | result | summary |\n| --- | --- | --- |\n| freshness | ❌ fail |');
    expect(md).toContain('| rerun | ✅ pass | 1 stage reproduced |');
    expect(md).toMatch(/#### Guardrails against `main` \(`[0-9a-f]{7}`\)/);
    expect(md).toContain('| `m.json:acc` | 0.9 | 0.8 | -0.1 | max_drop 0.01 | ❌ fail | dropped by 0.1, more than the allowed 0.01');
    expect(md).toContain('| `prep` | ✅ reproduced | `prep.txt` identical |');
    expect(md).toMatch(
      /#### Stale stages\n\n\| stage \| status \| why \|\n\| --- \| --- \| --- \|\n\| `train` \| stale \| cmd changed: .*; param changed: acc 0\.8 -> 0\.7 \|\n/,
    );
    await verifyCli(d, '--base', 'main', '--rerun', 'prep', '--md', 'again.md');
    expect(await read(d, 'again.md')).toBe(md);
  });

  it('--junit has one testcase per stage and per guardrail, failures as <failure>', async () => {
    const d = await failingRepo();
    await verifyCli(d, '--base', 'main', '--rerun', '--junit', 'junit.xml');
    const xml = await read(d, 'junit.xml');
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="repro verify"')).toBe(true);
    const suite = (name: string): string => xml.match(new RegExp(`<testsuite name="${name}"[\\s\\S]*?</testsuite>`))![0];
    const cases = (s: string): string[] => [...s.matchAll(/<testcase classname="[^"]*" name="([^"]*)"/g)].map((m) => m[1]!);
    expect(cases(suite('freshness'))).toEqual(['prep', 'train']);
    expect(suite('freshness')).toMatch(/<testsuite name="freshness" tests="2" failures="1" skipped="0">/);
    expect(suite('freshness')).toMatch(
      /<failure message="train: cmd changed: [^"]*; param changed: acc 0\.8 -&gt; 0\.7">repro\.yaml:6<\/failure>/,
    );
    expect(cases(suite('rerun'))).toEqual(['prep', 'train']);
    expect(cases(suite('guardrails'))).toEqual(['m.json:acc']);
    expect(suite('guardrails')).toMatch(
      /<failure message="m\.json:acc: max_drop 0\.01: dropped by 0\.1[^"]*">rule: max_drop 0\.01\nrepro\.yaml:13<\/failure>/,
    );
    expect(xml).toMatch(/<testsuites name="repro verify" tests="\d+" failures="2" skipped="0">/);
    expect(xml.trimEnd().endsWith('</testsuites>')).toBe(true);
  });

  it('--json is one document in the documented shape', async () => {
    const d = await failingRepo();
    const { body } = await verifyJson(d, '--base', 'main');
    expect(Object.keys(body)).toEqual(['ok', 'commit', 'dirty', 'freshness', 'data', 'rules', 'rerun', 'guardrails']);
    expect(body).toMatchObject({
      ok: false,
      commit: expect.stringMatching(/^[0-9a-f]{40}$/),
      dirty: true,
      freshness: { status: 'fail', stages: expect.any(Array) },
      data: { status: 'pass', remote: null, outputs: expect.any(Array), note: expect.any(String) },
      rules: { status: 'pass', rules: [expect.objectContaining({ kind: 'check', metric: 'm.json:acc', status: 'pass' })] },
      rerun: { status: 'skip' },
      guardrails: { status: 'fail', base: { ref: 'main' }, rows: [expect.objectContaining({ metric: 'm.json:acc' })] },
    });
    expect(Object.keys(body.guardrails.rows[0]).sort()).toEqual([
      'base',
      'change',
      'ci',
      'delta',
      'file',
      'head',
      'line',
      'metric',
      'reason',
      'rule',
      'status',
    ]);
    expect(Object.keys(body.freshness.stages[0]).sort()).toEqual(['file', 'line', 'name', 'reasons', 'status']);
  });
});

describe('repro verify: when the check cannot run (exit 2)', () => {
  it('a broken repro.yaml', async () => {
    const d = await repo({ 'repro.yaml': 'version: 1\nstages:\n  a:\n    cmd: [unclosed\n' });
    const r = await verifyCli(d);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: .*repro\.yaml/m);
    const j = await verifyCli(d, '--json');
    expect(j.code).toBe(2);
    expect(JSON.parse(j.stdout).error.code).toMatch(/^E_(YAML|CONFIG)$/);
  });

  it('an unknown base ref, an unknown stage, no repository', async () => {
    const d = await repo(CHAIN);
    await runAndCommit(d);
    const base = await verifyCli(d, '--base', 'origin/nope');
    expect(base.code).toBe(2);
    expect(base.stderr).toContain("unknown revision: 'origin/nope'");
    const stage = await verifyCli(d, '--rerun', 'nope');
    expect(stage.code).toBe(2);
    expect(stage.stderr).toContain("unknown stage 'nope'");
    const none = await mkdtemp(join(tmpdir(), 'repro-nogit-'));
    dirs.push(none);
    const r = await repro(none, 'verify');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('not a git repository');
  });
});
