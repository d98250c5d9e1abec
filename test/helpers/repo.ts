import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, mkdir, writeFile, rm, readFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach } from 'vitest';
import { main } from '../../src/main.js';

/** Test fixtures: real Git repositories in temp dirs, built inline (changesets' testdir style). */

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = join(ROOT, 'bin', 'repro.js');

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'repro test',
  GIT_AUTHOR_EMAIL: 'test@repro.invalid',
  GIT_COMMITTER_NAME: 'repro test',
  GIT_COMMITTER_EMAIL: 'test@repro.invalid',
};

/** Write `files` (path → content; content ending in a mode marker is not supported: use chmod). */
export async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  for (const [p, content] of Object.entries(files)) {
    const abs = join(dir, p);
    await mkdir(dirname(abs), { recursive: true });
    await writeFile(abs, content);
    if (p.endsWith('.sh')) await chmod(abs, 0o755);
  }
}

/** A temp dir with `git init`, `files` written and (unless commit: false) committed. */
export async function testRepo(files: Record<string, string> = {}, opts: { commit?: boolean } = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'repro-test-'));
  git(dir, 'init', '-q', '-b', 'main');
  await writeFiles(dir, files);
  if (opts.commit !== false && Object.keys(files).length) {
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'fixture');
  }
  return dir;
}

export async function removeRepo(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/**
 * Temp repositories removed after each test (or after the file, with `after: 'all'`).
 * `dirs` takes any other temp directory a test makes.
 *
 *   const { repo, dirs } = tempRepos();
 *   const d = await repo({ 'repro.yaml': '...' });
 */
export function tempRepos(opts: { after?: 'each' | 'all' } = {}): {
  dirs: string[];
  repo(files?: Record<string, string>, o?: { commit?: boolean }): Promise<string>;
} {
  const dirs: string[] = [];
  (opts.after === 'all' ? afterAll : afterEach)(async () => {
    while (dirs.length) await removeRepo(dirs.pop()!);
  });
  return {
    dirs,
    async repo(files = {}, o = {}) {
      const d = await testRepo(files, o);
      dirs.push(d);
      return d;
    },
  };
}

export function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, env: { ...process.env, ...GIT_ENV }, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the CLI in-process through main(), capturing its output. */
export async function repro(dir: string, ...args: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    cwd: dir,
    io: { out: (t) => void (stdout += t), err: (t) => void (stderr += t), isTTY: false },
  });
  return { code, stdout, stderr };
}

/** Run the built CLI (dist/) as a real child process. `npm test` builds first. */
export function reproBin(dir: string, args: string[], opts: { env?: NodeJS.ProcessEnv } = {}): Promise<CliResult & { pid: number }> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env: { ...process.env, ...GIT_ENV, ...opts.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', rej);
    child.on('close', (code, signal) => res({ code: code ?? (signal ? 128 : -1), stdout, stderr, pid: child.pid! }));
  });
}

export async function read(dir: string, p: string): Promise<string> {
  return readFile(join(dir, p), 'utf8');
}
