import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseYaml } from '../../src/core/yaml.js';
import { VERIFY_MD_MARKER } from '../../src/report/verify/md.js';
import { git, ROOT, tempRepos, writeFiles } from '../helpers/repo.js';
import { freshBucket, s3Env, s3Gateway, S3_ENDPOINT, S3_KEYS } from '../helpers/s3-gateway.js';

/**
 * slow (~40-60 s, most of it `npm install -g` of the packed tarball): the issue's end-to-end test.
 * A Python-only repository (no package.json) with a pipeline, a directory remote and an S3 remote
 * (the real Ceph gateway) pushes from one clone; a fresh shallow-then-unshallowed clone then runs
 * exactly the steps of templates/ci/github-actions.yml as a runner would (GITHUB_* variables,
 * GITHUB_STEP_SUMMARY, the action's entry point for `uses:`, bash for `run:`), with a fake GitHub
 * API that records the comment calls. Passes when the pipeline reproduces; fails naming the stage
 * and the file when it does not; the comment is the report file both times, one comment updated.
 */
const { dirs, repo } = tempRepos({ after: 'all' });
const s3 = await s3Gateway();

const tmp = (p: string): string => {
  const d = mkdtempSync(join(tmpdir(), p));
  dirs.push(d);
  return d;
};

const PY = {
  'repro.yaml': [
    'stages:',
    '  prepare:',
    '    cmd: python3 src/prepare.py',
    '    deps: [src/prepare.py, data/raw.csv]',
    '    outs: [data/clean.csv]',
    '  train:',
    '    cmd: python3 src/train.py',
    '    deps: [src/train.py, data/clean.csv]',
    '    outs: [model.txt]',
    '    metrics: [metrics.json]',
    '',
  ].join('\n'),
  'data/raw.csv': 'x,y\n1,2\n2,4\n3,6\n',
  'src/prepare.py': [
    'rows = open("data/raw.csv").read().split("\\n")[1:]',
    'open("data/clean.csv", "w").write("\\n".join(r for r in rows if r) + "\\n")',
    '',
  ].join('\n'),
  'src/train.py': [
    'pts = [tuple(map(float, l.split(","))) for l in open("data/clean.csv") if l.strip()]',
    'slope = sum(x * y for x, y in pts) / sum(x * x for x, _ in pts)',
    'open("model.txt", "w").write(f"slope {slope}\\n")',
    'open("metrics.json", "w").write(\'{"slope": %s}\\n\' % slope)',
    '',
  ].join('\n'),
  '.gitignore': '.repro/\n',
};

/** The fake GitHub REST API: comments of one issue, every call recorded. */
function fakeGithub(): Promise<{ server: Server; url: string; calls: { method: string; path: string; body?: string }[] }> {
  const calls: { method: string; path: string; body?: string }[] = [];
  const comments: { id: number; body: string }[] = [];
  const server = createServer((req, res) => {
    let data = '';
    req.on('data', (d) => (data += d));
    req.on('end', () => {
      const body = data ? (JSON.parse(data) as { body: string }).body : undefined;
      calls.push({ method: req.method!, path: req.url!, body });
      res.setHeader('content-type', 'application/json');
      if (req.method === 'GET') return res.end(JSON.stringify(comments));
      if (req.method === 'POST') {
        comments.push({ id: 100 + comments.length, body: body! });
        return res.end(JSON.stringify(comments.at(-1)));
      }
      const c = comments.find((x) => req.url!.endsWith(`/comments/${x.id}`))!;
      c.body = body!;
      res.end(JSON.stringify(c));
    });
  });
  return new Promise((r) =>
    server.listen(0, '127.0.0.1', () => r({ server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, calls })),
  );
}

/** `${{ … }}` of the template, from what a runner would know; an unknown expression fails the test. */
function expand(text: string, ctx: Record<string, string>): string {
  return text.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, e: string) => {
    if (!(e in ctx)) throw new Error(`template expression not emulated: ${e}`);
    return ctx[e]!;
  });
}

type Step = { uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string>; if?: string };

function sh(cwd: string, cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string }> {
  return new Promise((res) => {
    const c = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (out += d));
    c.on('close', (code) => res({ code: code ?? 1, out }));
  });
}

describe('slow: a Python repository verified in CI through the template and the action', () => {
  let api: Awaited<ReturnType<typeof fakeGithub>> | undefined;
  afterAll(() => api?.server.close());

  it('passes when the pipeline reproduces, fails naming stage and file when not, one comment holding the report', async () => {
    const t0 = tmp('repro-ci-');
    // The packed tarball, as a release would ship it (dist/ is built by `npm test`).
    execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', t0], { cwd: ROOT, stdio: 'ignore' });
    const tgz = join(
      t0,
      readdirSync(t0).find((f) => f.endsWith('.tgz'))!,
    );
    const prefix = join(t0, 'prefix');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...(s3 ? s3Env() : {}),
      PATH: `${join(prefix, 'bin')}:${process.env.PATH}`,
      npm_config_prefix: prefix,
      npm_config_prefer_offline: 'true',
      GIT_AUTHOR_NAME: 'ci',
      GIT_AUTHOR_EMAIL: 'ci@repro.invalid',
      GIT_COMMITTER_NAME: 'ci',
      GIT_COMMITTER_EMAIL: 'ci@repro.invalid',
    };
    const bin = (cwd: string, ...args: string[]) => sh(cwd, process.execPath, [join(ROOT, 'bin', 'repro.js'), ...args], env);

    // The producer: Python only, two remotes (directory default, S3), runs pushed through origin.
    const a = await repo(PY);
    expect(existsSync(join(a, 'package.json'))).toBe(false);
    const bare = join(t0, 'origin.git');
    git(t0, 'init', '-q', '--bare', '-b', 'main', bare);
    git(a, 'remote', 'add', 'origin', bare);
    expect((await bin(a, 'remote', 'add', '-d', 'team', join(t0, 'store'))).code).toBe(0);
    if (s3) {
      const bucket = await freshBucket();
      expect((await bin(a, 'remote', 'add', 's3', `s3://${bucket}/cache`)).code).toBe(0);
      expect((await bin(a, 'remote', 'modify', 's3', 'endpoint', S3_ENDPOINT)).code).toBe(0);
    }
    expect((await bin(a, 'run')).code).toBe(0);
    git(a, 'add', '-A');
    git(a, 'commit', '-qm', 'pipeline');
    git(a, 'push', '-q', 'origin', 'main');
    git(a, 'checkout', '-qb', 'feature');
    writeFiles(a, { 'data/raw.csv': PY['data/raw.csv'] + '4,8.5\n' });
    expect((await bin(a, 'run')).code).toBe(0);
    git(a, 'commit', '-qam', 'more data');
    git(a, 'push', '-q', 'origin', 'feature');
    const pushed = await bin(a, 'push');
    expect(pushed.code, pushed.out).toBe(0);
    expect(pushed.out).toContain("run records: 2 pushed to Git remote 'origin'");
    if (s3) expect((await bin(a, 'push', '-r', 's3', '--no-runs')).code).toBe(0);

    // The runner: a fresh shallow clone of the pull request's head, then unshallowed.
    const ws = join(tmp('repro-ws-'), 'proj');
    git(t0, 'clone', '-q', '--depth', '1', '--branch', 'feature', `file://${bare}`, ws);
    git(ws, 'fetch', '-q', '--unshallow');
    api = await fakeGithub();
    const event = join(t0, 'event.json');
    writeFileSync(event, JSON.stringify({ pull_request: { number: 7 } }));
    const summary = join(t0, 'summary.md');
    const runner: NodeJS.ProcessEnv = {
      ...env,
      ...(s3 ? {} : { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' }),
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_WORKSPACE: ws,
      GITHUB_REPOSITORY: 'org/proj',
      GITHUB_SERVER_URL: 'https://github.example',
      GITHUB_API_URL: api.url,
      GITHUB_RUN_ID: '4242',
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: event,
      GITHUB_BASE_REF: 'main',
      GITHUB_HEAD_REF: 'feature',
      GITHUB_REF: 'refs/pull/7/merge',
      GITHUB_SHA: git(ws, 'rev-parse', 'HEAD').trim(),
      GITHUB_STEP_SUMMARY: summary,
      GITHUB_OUTPUT: join(t0, 'output'),
      RUNNER_TEMP: t0,
    };
    const ctx: Record<string, string> = {
      'github.base_ref': 'main',
      'github.server_url': 'https://github.example',
      'github.repository': 'org/proj',
      'github.run_id': '4242',
      'github.token': 'fake-token',
      'secrets.REPRO_AWS_ACCESS_KEY_ID': s3 ? S3_KEYS.access : '',
      'secrets.REPRO_AWS_SECRET_ACCESS_KEY': s3 ? S3_KEYS.secret : '',
    };
    const wf = parseYaml(readFileSync(join(ROOT, 'templates/ci/github-actions.yml'), 'utf8'), 'github-actions.yml') as {
      jobs: { verify: { steps: Step[] } };
    };

    /** Every step of the template, in order; returns the action step's exit code and output. */
    async function runTemplate(install: string): Promise<{ code: number; out: string }> {
      let verdict: { code: number; out: string } | undefined;
      for (const step of wf.jobs.verify.steps) {
        const stepEnv = { ...runner, ...Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, expand(v, ctx)])) };
        if (step.uses?.startsWith('actions/checkout@'))
          expect(step.with?.['fetch-depth']).toBe(0); // done above
        else if (step.uses?.startsWith('actions/setup-node@')) expect(String(step.with?.['node-version'])).toBe('20');
        else if (step.uses && /\/repro\/action@/.test(step.uses)) {
          const inputs = Object.fromEntries(
            Object.entries({ ...step.with, remote: s3 ? 's3' : 'team', install }).map(([k, v]) => [
              `INPUT_${k.toUpperCase()}`,
              expand(String(v), ctx),
            ]),
          );
          inputs.INPUT_TOKEN = 'fake-token';
          verdict = await sh(ws, process.execPath, [join(ROOT, 'action', 'main.mjs')], { ...stepEnv, ...inputs });
        } else if (step.uses?.startsWith('actions/upload-artifact@')) {
          for (const p of String(step.with?.path).split('\n').filter(Boolean)) expect(existsSync(join(ws, p)), p).toBe(true);
        } else if (step.run) {
          const r = await sh(ws, 'bash', ['-e', '-c', expand(step.run, ctx)], stepEnv);
          expect(r.code, r.out).toBe(0);
        } else throw new Error(`template step not emulated: ${JSON.stringify(step)}`);
      }
      return verdict!;
    }

    const ok = await runTemplate(tgz);
    expect(ok.code, ok.out).toBe(0);
    expect(ok.out).toMatch(/run records: 2 new from Git remote 'origin'/);
    expect(existsSync(join(ws, 'model.txt'))).toBe(true); // pulled
    const md1 = readFileSync(join(ws, 'report.md'), 'utf8');
    expect(md1.startsWith(VERIFY_MD_MARKER)).toBe(true);
    expect(md1).toContain('✅ repro verify passed');
    expect(md1).toMatch(/\| `train` \| ✅ reproduced \|/);
    expect(md1).toContain('https://github.example/org/proj/actions/runs/4242');
    expect(readFileSync(summary, 'utf8')).toContain(md1);
    expect(readFileSync(join(ws, 'repro-junit.xml'), 'utf8')).toContain('<testsuite');
    const post = api.calls.filter((c) => c.method !== 'GET');
    expect(post.map((c) => [c.method, c.path])).toEqual([['POST', '/repos/org/proj/issues/7/comments']]);
    expect(post[0]!.body).toBe(md1);

    // A push that does not reproduce: train now draws from the OS's randomness.
    writeFiles(a, { 'src/train.py': PY['src/train.py'] + 'import os\nopen("model.txt", "a").write(os.urandom(8).hex() + "\\n")\n' });
    expect((await bin(a, 'run')).code).toBe(0);
    git(a, 'commit', '-qam', 'noise');
    git(a, 'push', '-q', 'origin', 'feature');
    expect((await bin(a, 'push', ...(s3 ? ['-r', 's3'] : []))).code).toBe(0);
    git(ws, 'fetch', '-q', 'origin', 'feature');
    git(ws, 'reset', '-q', '--hard', 'origin/feature');
    const bad = await runTemplate('none');
    expect(bad.code, bad.out).toBe(1);
    const md2 = readFileSync(join(ws, 'report.md'), 'utf8');
    expect(md2).toContain('❌ repro verify failed');
    expect(md2).toContain('train: model.txt differs');
    const posts = api.calls.filter((c) => c.method !== 'GET');
    expect(posts.map((c) => c.method)).toEqual(['POST', 'PATCH']);
    expect(posts[1]!.path).toBe('/repos/org/proj/issues/comments/100'); // the same comment, updated
    expect(posts[1]!.body).toBe(md2);
  }, 150_000);

  it("the comment step against a fake github object (actions/github-script's shape)", async () => {
    const { upsertComment } = (await import(pathToFileURL(join(ROOT, 'action', 'comment.mjs')).href)) as {
      upsertComment: (g: unknown, p: Record<string, unknown>) => Promise<{ action: string; id: number }>;
    };
    const store = [{ id: 1, body: 'hi' }];
    const log: string[] = [];
    const github = {
      paginate: async (fn: (p: unknown) => Promise<{ data: unknown[] }>, p: unknown) => (await fn(p)).data,
      rest: {
        issues: {
          listComments: async () => ({ data: store }),
          createComment: async ({ body }: { body: string }) => (
            log.push(`create ${body}`),
            store.push({ id: 2, body }),
            { data: { id: 2 } }
          ),
          updateComment: async ({ comment_id, body }: { comment_id: number; body: string }) => (
            log.push(`update ${comment_id} ${body}`),
            { data: {} }
          ),
        },
      },
    };
    const body = `${VERIFY_MD_MARKER}\nreport`;
    expect(await upsertComment(github, { owner: 'o', repo: 'r', issue_number: 7, body })).toEqual({ action: 'created', id: 2 });
    expect(await upsertComment(github, { owner: 'o', repo: 'r', issue_number: 7, body })).toEqual({ action: 'updated', id: 2 });
    expect(log).toEqual([`create ${body}`, `update 2 ${body}`]);
  });
});
