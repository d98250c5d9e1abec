import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findRepo, readRunFile, snapshotTree } from '../../src/record/index.js';
import { git, repro, tempRepos } from '../helpers/repo.js';

// Repositories the old in-process Git reader refused or got wrong, through the real commands:
// everything Git accepts must work, because every read and write now goes through `git`.

const { repo, dirs } = tempRepos();

const PIPELINE = `version: 1
stages:
  up:
    cmd: >-
      tr a-z A-Z < in.txt > out.txt && printf '{"n": %s}' $(wc -c < in.txt) > m.json
    deps: [in.txt]
    outs: [out.txt]
    metrics: [m.json]
`;

async function runJson(d: string, ...args: string[]): Promise<{ run_id: string }> {
  const r = await repro(d, 'run', '--json', ...args);
  expect(r.code, r.stderr).toBe(0);
  const body = JSON.parse(r.stdout);
  expect(body.record_error ?? null).toBe(null);
  return body;
}

/** An empty repository made with `init_args`, holding the pipeline, committed. */
async function initRepo(initArgs: string[]): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'repro-compat-'));
  dirs.push(d);
  git(d, 'init', '-q', '-b', 'main', ...initArgs);
  await writeFile(join(d, 'repro.yaml'), PIPELINE);
  await writeFile(join(d, 'in.txt'), 'hello\n');
  git(d, 'add', '-A');
  git(d, 'commit', '-qm', 'pipeline');
  return d;
}

describe('a SHA-256 repository', () => {
  it('run, log, show, replay and diff work, with 64-digit ids', async () => {
    const d = await initRepo(['--object-format=sha256']);
    const first = await runJson(d);
    await writeFile(join(d, 'in.txt'), 'hello world\n');
    const second = await runJson(d);
    const commit = git(d, 'rev-parse', `refs/repro/runs/${second.run_id}`).trim();
    expect(commit).toMatch(/^[0-9a-f]{64}$/);
    git(d, 'fsck', '--strict', '--no-dangling');
    expect(git(d, 'show', `${commit}:in.txt`)).toBe('hello world\n');

    const log = JSON.parse((await repro(d, 'log', '--json')).stdout);
    expect(log.runs.map((r: { id: string }) => r.id)).toEqual([second.run_id, first.run_id]);
    const show = await repro(d, 'show', '--json', first.run_id);
    expect(show.code, show.stderr).toBe(0);
    expect(JSON.parse(show.stdout).record.source.commit).toBe(git(d, 'rev-parse', 'HEAD').trim());

    const replay = await repro(d, 'replay', '--json', first.run_id);
    expect(replay.code, replay.stderr).toBe(0);
    expect(JSON.parse(replay.stdout).ok).toBe(true);

    const diff = await repro(d, 'diff', '--json', first.run_id, second.run_id);
    expect(diff.code, diff.stderr).toBe(0);
    expect(JSON.stringify(JSON.parse(diff.stdout))).toContain('m.json');
  });
});

describe('a split index (core.splitIndex=true)', () => {
  it('records edited, staged and deleted files, leaves the index alone and writes no shared index', async () => {
    const d = await repo({ 'repro.yaml': PIPELINE, 'in.txt': 'a\n', 'keep.txt': 'k\n', 'gone.txt': 'g\n' });
    git(d, 'config', 'core.splitIndex', 'true');
    git(d, 'update-index', '--split-index');
    await writeFile(join(d, 'in.txt'), 'b\n');
    await writeFile(join(d, 'new.txt'), 'staged\n');
    git(d, 'add', 'new.txt');
    git(d, 'rm', '-q', 'gone.txt');
    const shared = (): string[] => readdirSync(join(d, '.git')).filter((f) => f.startsWith('sharedindex.'));
    const status = (): string => git(d, 'status', '--porcelain', '--untracked-files=no');
    const before = { status: status(), shared: shared() };
    expect(before.shared.length).toBeGreaterThan(0);
    const { run_id } = await runJson(d);
    const ref = `refs/repro/runs/${run_id}`;
    expect(git(d, 'show', `${ref}:in.txt`)).toBe('b\n');
    expect(git(d, 'show', `${ref}:new.txt`)).toBe('staged\n');
    expect(git(d, 'ls-tree', '--name-only', ref)).not.toContain('gone.txt');
    expect(JSON.parse(git(d, 'show', `${ref}:.repro-run/record.json`)).source.dirty).toBe(true);
    expect(status()).toBe(before.status);
    expect(shared()).toEqual(before.shared);
  });
});

describe('a linked worktree', () => {
  it('repro run there records into the shared refs, from the worktree HEAD and files', async () => {
    const d = await repo({ 'repro.yaml': PIPELINE, 'in.txt': 'main\n' });
    git(d, 'branch', 'feature');
    const wt = join(await mkdtemp(join(tmpdir(), 'repro-wt-')), 'wt');
    dirs.push(wt);
    git(d, 'worktree', 'add', '-q', wt, 'feature');
    await writeFile(join(wt, 'in.txt'), 'in the worktree\n');
    const { run_id } = await runJson(wt);
    const ref = `refs/repro/runs/${run_id}`;
    expect(git(d, 'show', `${ref}:in.txt`)).toBe('in the worktree\n');
    expect(git(d, 'rev-parse', `${ref}^1`).trim()).toBe(git(d, 'rev-parse', 'feature').trim());
    const rec = JSON.parse(git(d, 'show', `${ref}:.repro-run/record.json`));
    expect(rec.source).toMatchObject({ branch: 'feature', dirty: true });
    expect(JSON.parse((await repro(wt, 'log', '--json')).stdout).runs.map((r: { id: string }) => r.id)).toEqual([run_id]);
    expect(existsSync(join(d, 'out.txt'))).toBe(false);
  });
});

describe('a clean filter (Git LFS style)', () => {
  it('the snapshot stores each file as git add would: edited tracked files and untracked inputs cleaned, repro files raw', async () => {
    const d = await repo({ '.gitattributes': '*.txt filter=fake\n', 'repro.yaml': PIPELINE, 'in.txt': 'x\n' });
    git(d, 'config', 'filter.fake.clean', 'tr a-z A-Z');
    git(d, 'config', 'filter.fake.smudge', 'cat');
    await writeFile(join(d, 'in.txt'), 'edited\n');
    const { run_id } = await runJson(d);
    const ref = `refs/repro/runs/${run_id}`;
    expect(git(d, 'cat-file', 'blob', `${ref}:in.txt`)).toBe('EDITED\n');
    // What `git add` would store: the same blob id.
    expect(git(d, 'rev-parse', `${ref}:in.txt`).trim()).toBe(git(d, 'hash-object', 'in.txt').trim());
    expect(git(d, 'cat-file', 'blob', `${ref}:repro.lock`)).toMatch(/^schema|stages/m); // repro's own file, unfiltered

    const r = await findRepo(d);
    await writeFile(join(d, 'in.txt'), 'again\n');
    const tree = await snapshotTree({ repo: r, extraFiles: { 'extra.txt': 'lower case\n' } });
    expect(Buffer.from((await readRunFile(r, tree, 'in.txt'))!).toString()).toBe('AGAIN\n');
    expect(Buffer.from((await readRunFile(r, tree, 'extra.txt'))!).toString()).toBe('lower case\n');
  });
});

describe('[include] in .git/config', () => {
  it('an included file sets the identity of run commits and the filters of the snapshot', async () => {
    const d = await repo({ '.gitattributes': '*.txt filter=inc\n', 'repro.yaml': PIPELINE, 'in.txt': 'x\n' });
    const inc = join(d, '.git', 'extra.config');
    await writeFile(
      inc,
      '[filter "inc"]\n\tclean = tr a-z A-Z\n\tsmudge = cat\n[user]\n\tname = Included Name\n\temail = inc@example.com\n',
    );
    git(d, 'config', 'include.path', inc);
    await writeFile(join(d, 'in.txt'), 'via include\n');
    const saved = { n: process.env.GIT_AUTHOR_NAME, e: process.env.GIT_AUTHOR_EMAIL };
    delete process.env.GIT_AUTHOR_NAME;
    delete process.env.GIT_AUTHOR_EMAIL;
    try {
      const { run_id } = await runJson(d);
      const ref = `refs/repro/runs/${run_id}`;
      expect(git(d, 'log', '-1', '--format=%an <%ae>', ref).trim()).toBe('Included Name <inc@example.com>');
      expect(git(d, 'cat-file', 'blob', `${ref}:in.txt`)).toBe('VIA INCLUDE\n');
    } finally {
      process.env.GIT_AUTHOR_NAME = saved.n;
      process.env.GIT_AUTHOR_EMAIL = saved.e;
    }
  });
});

describe('the caller environment', () => {
  it("a hook's GIT_DIR and GIT_INDEX_FILE do not redirect the record", async () => {
    const d = await repo({ 'repro.yaml': PIPELINE, 'in.txt': 'x\n' });
    const other = await repo({ 'o.txt': 'o' });
    const saved = { dir: process.env.GIT_DIR, index: process.env.GIT_INDEX_FILE };
    process.env.GIT_DIR = join(other, '.git');
    process.env.GIT_INDEX_FILE = join(other, '.git', 'index');
    let runId = '';
    try {
      runId = (await runJson(d)).run_id;
    } finally {
      if (saved.dir === undefined) delete process.env.GIT_DIR;
      else process.env.GIT_DIR = saved.dir;
      if (saved.index === undefined) delete process.env.GIT_INDEX_FILE;
      else process.env.GIT_INDEX_FILE = saved.index;
    }
    expect(git(d, 'rev-parse', `refs/repro/runs/${runId}^1`).trim()).toBe(git(d, 'rev-parse', 'HEAD').trim());
    expect(git(other, 'for-each-ref', 'refs/repro/')).toBe('');
  });
});
