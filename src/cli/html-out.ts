import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { writeFileAtomic } from '../core/atomic.js';
import { findRepoRoot } from '../core/repo.js';
import { reportFile, type CliEnv } from './common.js';

/**
 * Where `repro plots` and `repro report` write their HTML: `-o FILE` (checked before any work),
 * else `.repro/plots/<name>` in the repository (local state, git-ignored).
 */
export async function htmlTarget(cwd: string, out: string | undefined, name: string): Promise<string> {
  if (out !== undefined) return reportFile(cwd, '-o', out);
  return join(await findRepoRoot(cwd), '.repro', 'plots', name);
}

export async function writeHtml(env: CliEnv, cwd: string, file: string, html: string, open: boolean): Promise<string> {
  await mkdir(dirname(file), { recursive: true });
  await writeFileAtomic(file, html);
  const shown = relative(cwd, file) || file;
  if (open) openInBrowser(env, file);
  return shown;
}

/**
 * `--open`: hands the file to the desktop's opener (xdg-open, open on macOS), detached; the
 * command does not wait for the browser. Failing to start one is a note on stderr, not an error.
 */
function openInBrowser(env: CliEnv, file: string): void {
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  try {
    const child = spawn(cmd, [file], { detached: true, stdio: 'ignore' });
    child.on('error', () => env.io.err(`note: could not start '${cmd}' to open ${file}; open it in a browser yourself\n`));
    child.unref();
  } catch {
    env.io.err(`note: could not start '${cmd}' to open ${file}\n`);
  }
}
