import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach } from 'vitest';
import { main } from '../../src/main.js';
import { writeTree, type TreeSpec } from './tree.js';

/**
 * Real Git repositories in temp dirs, and the CLI run against them in-process (`repro`) or as the
 * built binary (`reproBin`). Git here and in every child process runs with the isolated config
 * test/setup.ts puts in process.env (no ~/.gitconfig, no /etc/gitconfig).
 */

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = join(ROOT, 'bin', 'repro.js');

/** A temp dir with `git init` (branch main), `files` written (see writeTree) and, unless commit: false, committed. */
export async function testRepo(files: TreeSpec = {}, opts: { commit?: boolean } = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'repro-test-'));
  git(dir, 'init', '-q', '-b', 'main');
  writeTree(dir, files);
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
  repo(files?: TreeSpec, o?: { commit?: boolean }): Promise<string>;
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

/** `git args...` in `dir`; its stdout. Throws (with git's stderr) on a non-zero exit. */
export function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
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

/** Run the built CLI (dist/) as a real child process, with process.env plus `env`. `npm test` builds first. */
export function reproBin(dir: string, args: string[], opts: { env?: NodeJS.ProcessEnv } = {}): Promise<CliResult & { pid: number }> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env: { ...process.env, ...opts.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', rej);
    child.on('close', (code, signal) => res({ code: code ?? (signal ? 128 : -1), stdout, stderr, pid: child.pid! }));
  });
}

/**
 * Kept so that tests written in parallel with the move to tree.ts still build when merged;
 * import `read` and `writeTree` from './tree.js' in new tests.
 */
export { read } from './tree.js';
export async function writeFiles(dir: string, files: TreeSpec): Promise<void> {
  writeTree(dir, files);
}
