import { execFile } from 'node:child_process';
import { copyFile, readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { writeFileAtomic } from '../core/atomic.js';
import { isErrno, ReproError } from '../core/errors.js';
import { findRepoRoot } from '../core/repo.js';

/**
 * `repro install-hooks`: Git hooks as DVC's `dvc install` writes them. Each is one line that
 * does nothing when repro is not on PATH (a teammate without it, a GUI client), so installing
 * them never breaks anyone's Git:
 * - post-checkout: `repro checkout` after a branch checkout (`$3` = 1), so the outputs follow
 *   the branch. Its exit status cannot undo the checkout; an edited output is kept (checkout
 *   refuses to overwrite it, as by hand).
 * - pre-push: `repro push --git-remote <the remote being pushed to>` when a cache remote is
 *   configured, so the data (and the run records) are there before the commits naming them. A
 *   failed push stops the git push, as DVC's does. repro's own `git push` of the run records
 *   passes --no-verify, so the hook does not call itself.
 * A hook file that is not ours (no MARK line) is never replaced silently: refused, or with
 * `force` replaced after a copy to `<hook>.pre-repro`. The hooks directory is Git's own answer
 * (`git rev-parse --git-path hooks`: core.hooksPath and linked worktrees included).
 */

export const HOOK_MARK = '# installed by repro install-hooks';

export const HOOKS: Record<string, string> = {
  'post-checkout': 'command -v repro >/dev/null 2>&1 && [ "$3" = 1 ] && exec repro checkout; exit 0',
  'pre-push':
    'command -v repro >/dev/null 2>&1 && repro remote list --json 2>/dev/null | grep -q \'"default": "\' && exec repro push --git-remote "$1"; exit 0',
};

export interface HookResult {
  name: string;
  path: string;
  action: 'installed' | 'updated' | 'unchanged' | 'replaced';
  /** Where the user's own hook was copied before `force` replaced it. */
  backup: string | null;
}

export interface InstallHooksReport {
  hooksDir: string;
  hooks: HookResult[];
}

function gitPath(root: string, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', ['rev-parse', '--git-path', what], { cwd: root, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new ReproError('E_GIT', `git rev-parse --git-path ${what} failed: ${(stderr || err.message).trim()}`));
      else resolve(stdout.trim());
    });
  });
}

async function readText(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return null;
    throw e;
  }
}

export function hookScript(name: string): string {
  return `#!/bin/sh\n${HOOK_MARK}\n${HOOKS[name]}\n`;
}

export async function installHooks(opts: { cwd: string; force?: boolean }): Promise<InstallHooksReport> {
  const root = await findRepoRoot(opts.cwd);
  const rel = await gitPath(root, 'hooks');
  const hooksDir = isAbsolute(rel) ? rel : join(root, rel);
  const existing = await Promise.all(Object.keys(HOOKS).map(async (name) => ({ name, text: await readText(join(hooksDir, name)) })));
  const foreign = existing.filter((h) => h.text !== null && !h.text.includes(HOOK_MARK));
  if (foreign.length && !opts.force) {
    throw new ReproError('E_USAGE', `a Git hook that repro did not write exists: '${join(hooksDir, foreign[0]!.name)}'`, {
      hint: `to chain it, add this line at its end yourself: ${HOOKS[foreign[0]!.name]}; or pass --force to replace it (a copy is kept as ${foreign[0]!.name}.pre-repro)`,
    });
  }
  const hooks: HookResult[] = [];
  for (const { name, text } of existing) {
    const path = join(hooksDir, name);
    const script = hookScript(name);
    let backup: string | null = null;
    let action: HookResult['action'] = text === null ? 'installed' : text === script ? 'unchanged' : 'updated';
    if (text !== null && !text.includes(HOOK_MARK)) {
      backup = `${path}.pre-repro`;
      await copyFile(path, backup);
      action = 'replaced';
    }
    if (action !== 'unchanged') await writeFileAtomic(path, script, { mode: 0o755 });
    hooks.push({ name, path, action, backup });
  }
  return { hooksDir, hooks };
}
