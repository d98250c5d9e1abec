import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { testRepo, reproBin, git, tempRepos } from '../helpers/repo.js';

// Planted secrets of each shape issue 9 names, through every way in: -S, a params.yaml edit, a
// failing stage's stderr, env.tools output, a staged never-committed file, an uncommitted edit
// of a tracked file. The real binary runs (dist/: `npm test` builds first), then every object
// reachable from refs/repro (and the workspace's repro.lock/params.yaml for params) is scanned.
const { dirs } = tempRepos();

// Split so that this file itself does not look like it holds live credentials.
const S = {
  github: 'ghp_' + 'Zq7Lm2Xv9Rt4Wb6Yc1Nd8Kf3Hs5Jp0Ga2Ue4',
  stripe: 'sk_live_' + '51HqLyjWDarjtT1zdp7dcXwQ9vLm',
  slack: 'https://hooks.slack.com/services/' + 'T0A1B2C3D/B4E5F6G7H/Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2',
  azureKey: 'q7VbN3xK9mPzR2tW5yB8cE1fH4jL6nQ0sU3vX6zA9dG2iK5' + 'oM8rT1wY4bD7gJ0lN3pS6uV9xZ2cF5hI8kO1qR4tW7yB0eH3jM6pS9vY2bE5hK8nQ1==',
  netrcPw: 'n3trc' + 'Hunter2pwXY',
  // Shapes only the maintained rule set (secretlint's preset) knows, not the built-in table.
  shopify: 'shpat_' + '0123456789abcdef0123456789abcdef',
  linear: 'lin_api_' + 'Ab3dE5gH7jK9mN1pQ3sT5vX7zA9cE1gH3jK5mN7p',
};
const AZURE = `DefaultEndpointsProtocol=https;AccountName=reprodemo;AccountKey=${S.azureKey};EndpointSuffix=core.windows.net`;
const NETRC = `machine api.example.com login bob password ${S.netrcPw}`;

/** Every object reachable from refs/repro/*, contents concatenated (and the count, to prove the scan saw something). */
function reproObjects(dir: string): string {
  const oids = git(dir, 'rev-list', '--objects', '--glob=refs/repro')
    .split('\n')
    .map((l) => l.split(' ')[0])
    .filter((x): x is string => Boolean(x));
  expect(oids.length).toBeGreaterThan(2);
  return execFileSync('git', ['cat-file', '--batch'], { cwd: dir, input: oids.join('\n') + '\n', maxBuffer: 256 * 1024 * 1024 }).toString(
    'latin1',
  );
}

function expectNoSecret(text: string, what: string, values: string[] = Object.values(S)): void {
  for (const v of values) expect(text.includes(v), `${v.slice(0, 12)}… leaked into ${what}`).toBe(false);
}

const PIPELINE = `version: 1
stages:
  train:
    cmd: echo trained > model.txt
    params: [api]
    outs: [model.txt]
`;

describe('params that look like credentials are refused (issue 9 #13)', () => {
  it.each([
    ['a GitHub token (built-in table)', S.github],
    ['a Stripe key (built-in table)', S.stripe],
    ['a Shopify token (maintained rule set only)', S.shopify],
  ])('-S api.token=%s: refused before anything is written', async (_what, value) => {
    const d = await testRepo({ 'repro.yaml': PIPELINE, 'params.yaml': 'api:\n  token: none\n' });
    dirs.push(d);
    const r = await reproBin(d, ['run', '--json', '-S', `api.token=${value}`]);
    expect(r.code, r.stderr).toBe(2);
    const err = JSON.parse(r.stdout).error;
    expect(err.code).toBe('E_USAGE');
    expect(err.message).toContain('[redacted]');
    expect(err.hint).toMatch(/environment/);
    expectNoSecret(r.stdout + r.stderr, 'the error');
    expect(readFileSync(join(d, 'params.yaml'), 'utf8')).toBe('api:\n  token: none\n');
    expect(git(d, 'for-each-ref', 'refs/repro/')).toBe('');
  });

  it('a credential edited into params.yaml: the run is refused (E_CONFIG), nothing recorded, repro.lock untouched', async () => {
    const d = await testRepo({ 'repro.yaml': PIPELINE, 'params.yaml': 'api:\n  token: none\n' });
    dirs.push(d);
    const ok = await reproBin(d, ['run', '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    const lockBefore = readFileSync(join(d, 'repro.lock'), 'utf8');
    const refsBefore = git(d, 'for-each-ref', 'refs/repro/');
    for (const value of [S.linear, AZURE]) {
      writeFileSync(join(d, 'params.yaml'), `api:\n  token: "${value}"\n`);
      const r = await reproBin(d, ['run', '--json']);
      expect(r.code, r.stderr).toBe(2);
      expect(JSON.parse(r.stdout).error.code).toBe('E_CONFIG');
      expectNoSecret(r.stdout + r.stderr, 'the error');
      expect(readFileSync(join(d, 'repro.lock'), 'utf8')).toBe(lockBefore);
      expect(git(d, 'for-each-ref', 'refs/repro/')).toBe(refsBefore);
    }
    expectNoSecret(reproObjects(d), 'refs/repro');
  });
});

describe('stored text goes through the maintained rule set (issue 9 #14)', () => {
  it('a failing stage printing every shape, and env.tools output: redacted in the record, absent from every object', async () => {
    const leak = [S.stripe, S.slack, AZURE, NETRC, S.shopify, S.linear].join('\n');
    const d = await testRepo({
      'leak.txt': leak + '\n',
      'tool.txt': `pkg==1.0\nwebhook=${S.slack}\ntoken ${S.shopify}\n`,
      'repro.yaml': `version: 1
env:
  tools: ["cat tool.txt"]
stages:
  fine:
    cmd: echo ok > fine.txt
    outs: [fine.txt]
  leak:
    cmd: "cat leak.txt >&2; exit 1"
    deps: [fine.txt, leak.txt]
    outs: [never.txt]
`,
    });
    dirs.push(d);
    // The planted files are committed (they are the user's own, already in Git); the run must not copy their text anywhere new.
    const before = execFileSync('git', ['rev-list', '--objects', '--all'], { cwd: d }).toString();
    const r = await reproBin(d, ['run', '--json', '-m', `ship it ${S.linear}`]);
    expect(r.code, r.stderr).toBe(1);
    const id = JSON.parse(r.stdout).run_id as string;
    expect(id).toBeTruthy();
    const rec = JSON.parse(git(d, 'show', `refs/repro/runs/${id}:.repro-run/record.json`));
    const tail = rec.stages.leak.stderr_tail.join('\n');
    expect(tail).toContain('[redacted]');
    expect(tail).toContain('AccountKey=[redacted]');
    expect(tail).toContain('password [redacted]');
    expectNoSecret(tail, 'stderr_tail');
    expect(rec.message).toBe('ship it [redacted]');
    const tool = rec.env.tools['cat tool.txt'];
    expect(tool.output).toBe('pkg==1.0\nwebhook=[redacted]\ntoken [redacted]');
    // Only the objects the run added: the committed leak.txt/tool.txt blobs were there before.
    const added = git(d, 'rev-list', '--objects', '--glob=refs/repro')
      .split('\n')
      .filter((l) => l && !before.includes(l.split(' ')[0]!))
      .map((l) => l.split(' ')[0]!);
    const text = execFileSync('git', ['cat-file', '--batch'], { cwd: d, input: added.join('\n') + '\n' }).toString('latin1');
    expect(text).toContain('.repro-run'); // the scan saw the run's own tree
    expectNoSecret(text, 'an object the run wrote');
  });
});

describe('the run snapshot: inputs included, credentials withheld (issue 9 #15, #7)', () => {
  const PIPE = `version: 1
stages:
  s:
    cmd: cat config.ini data/raw.csv > out.txt
    deps: [config.ini, data/raw.csv]
    outs: [out.txt]
`;

  it('a staged never-committed credential file and an edited tracked file are withheld, by rule, with a warning; untracked deps are included', async () => {
    const d = await testRepo({ 'repro.yaml': PIPE, 'config.ini': 'lr = 0.1\n', '.gitignore': 'data/\n' });
    dirs.push(d);
    writeFileSync(join(d, 'deploy.env'), `SLACK_WEBHOOK=${S.slack}\n`);
    git(d, 'add', 'deploy.env'); // added, never committed
    writeFileSync(join(d, 'config.ini'), `lr = 0.1\nstorage = ${AZURE}\n`); // uncommitted edit of a tracked file
    execFileSync('mkdir', ['-p', join(d, 'data')]);
    writeFileSync(join(d, 'data/raw.csv'), 'a,b\n1,2\n'); // an untracked (ignored) dep
    writeFileSync(join(d, 'data/creds.txt'), `${NETRC}\n`); // untracked, under no dep path: not included at all

    const r = await reproBin(d, ['run', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const body = JSON.parse(r.stdout);
    const ref = `refs/repro/runs/${body.run_id}`;
    const rec = JSON.parse(git(d, 'show', `${ref}:.repro-run/record.json`));
    expect(rec.withheld.map((w: { path: string }) => w.path)).toEqual(['config.ini', 'deploy.env']);
    for (const w of rec.withheld) expect(w.rule).toEqual(expect.any(String));
    expect(rec.withheld[1].rule).toMatch(/slack/);
    expect(rec.untracked).toEqual(['data/raw.csv']);
    const warnings = body.record_warnings.join('\n');
    expect(warnings).toMatch(/withheld 'deploy.env'.*rule .*slack/);
    expect(warnings).toMatch(/withheld 'config.ini'.*source commit/);
    expect(warnings).toMatch(/untracked input file.*'data\/raw.csv'/);

    const files = git(d, 'ls-tree', '-r', '--name-only', ref).trim().split('\n');
    expect(files).toContain('data/raw.csv');
    expect(files).not.toContain('deploy.env');
    expect(files).not.toContain('data/creds.txt');
    expect(git(d, 'show', `${ref}:config.ini`)).toBe('lr = 0.1\n'); // the committed content
    expect(git(d, 'show', `${ref}:data/raw.csv`)).toBe('a,b\n1,2\n');
    expectNoSecret(reproObjects(d), 'refs/repro');

    // Human output says it too.
    writeFileSync(join(d, 'data/raw.csv'), 'a,b\n3,4\n');
    const human = await reproBin(d, ['run']);
    expect(human.stdout + human.stderr).toMatch(/warning: withheld 'deploy.env' from the run's snapshot/);
  });

  it('a repository with no commits still records a tree with the pipeline and its untracked inputs', async () => {
    const d = await testRepo({ 'repro.yaml': PIPE, 'config.ini': 'lr = 0.1\n', 'data/raw.csv': 'x\n' }, { commit: false });
    dirs.push(d);
    const r = await reproBin(d, ['run', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const ref = `refs/repro/runs/${JSON.parse(r.stdout).run_id}`;
    const files = git(d, 'ls-tree', '-r', '--name-only', ref).trim().split('\n').sort();
    expect(files).toEqual(['.repro-run/record.json', 'config.ini', 'data/raw.csv', 'repro.lock', 'repro.yaml']);
    const rec = JSON.parse(git(d, 'show', `${ref}:.repro-run/record.json`));
    expect(rec.source.commit).toBeNull();
    expect(rec.untracked).toEqual(['config.ini', 'data/raw.csv', 'repro.yaml']);
  });
});

describe('records are printed safely (issue 9 #16)', () => {
  it('terminal escapes in a message and a stderr tail do not reach log/show output; --json keeps them exact', async () => {
    const d = await testRepo({
      'repro.yaml': `version: 1
stages:
  s:
    cmd: "printf 'bad\\\\033]0;pwned\\\\007 \\\\033[2J end\\\\r\\\\n' >&2; exit 1"
    outs: [o.txt]
`,
    });
    dirs.push(d);
    const msg = 'hello \u001b]0;title\u0007\u001b[2J\u009b31m world';
    const r = await reproBin(d, ['run', '--json', '-m', msg]);
    expect(r.code, r.stderr).toBe(1);
    const id = JSON.parse(r.stdout).run_id as string;
    const show = await reproBin(d, ['show', id]);
    const log = await reproBin(d, ['log']);
    for (const out of [show.stdout, log.stdout]) {
      expect(out).not.toMatch(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/);
      expect(out).toContain('hello ]0;title[2J31m world');
    }
    expect(show.stdout).toContain('| bad]0;pwned [2J end');
    const json = JSON.parse((await reproBin(d, ['show', id, '--json'])).stdout);
    expect(json.record.message).toBe(msg);
    expect(json.record.stages.s.stderr_tail[0]).toContain('\u001b[2J');
  });
});
