import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, realpathSync, rmSync, writeFileSync, chmodSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll } from 'vitest';

/** Real git, isolated from the machine's global and system config. */
const GIT_ENV = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Test Author',
  GIT_AUTHOR_EMAIL: 'author@example.com',
  GIT_COMMITTER_NAME: 'Test Author',
  GIT_COMMITTER_EMAIL: 'author@example.com',
  GIT_ALLOW_PROTOCOL: 'file',
};

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

export function gitWithEnv(cwd: string, env: Record<string, string>, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: { ...GIT_ENV, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A fresh empty directory (real path), removed after the test file. */
export function tempDir(): string {
  const d = realpathSync(mkdtempSync(join(tmpdir(), 'repro-record-')));
  dirs.push(d);
  return d;
}

/** File spec: plain content, or `{ content, exec }`, or `{ symlink: target }`. */
export type FileSpec = string | { content: string; exec?: boolean } | { symlink: string };

export function writeFiles(root: string, files: Record<string, FileSpec>): void {
  for (const [path, spec] of Object.entries(files)) {
    const abs = join(root, path);
    mkdirSync(dirname(abs), { recursive: true });
    rmSync(abs, { force: true });
    if (typeof spec === 'string') writeFileSync(abs, spec);
    else if ('symlink' in spec) symlinkSync(spec.symlink, abs);
    else {
      writeFileSync(abs, spec.content);
      chmodSync(abs, spec.exec ? 0o755 : 0o644);
    }
  }
}

/**
 * A repository on branch `main` with `files` committed (unless `commit: false`, which leaves
 * them untracked, or `add: true` with `commit: false`, which stages them).
 */
export function makeRepo(files: Record<string, FileSpec> = {}, opts: { commit?: boolean; add?: boolean } = {}): string {
  const root = tempDir();
  git(root, 'init', '-q', '-b', 'main');
  git(root, 'config', 'user.name', 'Config User');
  git(root, 'config', 'user.email', 'config@example.com');
  writeFiles(root, files);
  if (opts.commit !== false || opts.add) git(root, 'add', '-A');
  if (opts.commit !== false) git(root, 'commit', '-q', '-m', 'initial');
  return root;
}

/** Commit everything under `files` as a new commit; returns its sha. */
export function commitFiles(root: string, files: Record<string, FileSpec>, message = 'change'): string {
  writeFiles(root, files);
  git(root, 'add', '-A');
  git(root, 'commit', '-q', '-m', message);
  return git(root, 'rev-parse', 'HEAD');
}
