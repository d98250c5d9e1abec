import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, git, repro, tempRepos } from '../helpers/repo.js';
import { producer } from '../remote/fixtures.js';

/** repro install-hooks: the scripts, their refusal to replace a user's hook, and a real git push through them. */
const { dirs, repo } = tempRepos();

/** A PATH directory with a `repro` that runs this checkout's binary. */
function shimPath(): string {
  const d = mkdtempSync(join(tmpdir(), 'repro-shim-'));
  dirs.push(d);
  writeFileSync(join(d, 'repro'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`, { mode: 0o755 });
  return d;
}

function hook(dir: string, name: string, args: string[], path: string): string {
  return execFileSync(join(dir, '.git', 'hooks', name), args, {
    cwd: dir,
    env: { ...process.env, PATH: path },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

describe('repro install-hooks', () => {
  it('writes two executable one-line hooks, idempotently; without repro on PATH they do nothing and succeed', async () => {
    const d = await repo({ 'a.txt': 'a\n' });
    const r = await repro(d, 'install-hooks', '--json');
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res.hooks.map((h: { name: string; action: string }) => [h.name, h.action])).toEqual([
      ['post-checkout', 'installed'],
      ['pre-push', 'installed'],
    ]);
    for (const name of ['post-checkout', 'pre-push']) {
      const p = join(d, '.git', 'hooks', name);
      expect(statSync(p).mode & 0o111).toBe(0o111);
      expect(readFileSync(p, 'utf8').trim().split('\n')).toHaveLength(3); // shebang, mark, the one line
    }
    const again = JSON.parse((await repro(d, 'install-hooks', '--json')).stdout);
    expect(again.hooks.every((h: { action: string }) => h.action === 'unchanged')).toBe(true);
    // No repro on PATH (only the shell's basics): both exit 0 and print nothing.
    expect(hook(d, 'post-checkout', ['0', '0', '1'], '/usr/bin:/bin')).toBe('');
    expect(hook(d, 'pre-push', ['origin', 'x'], '/usr/bin:/bin')).toBe('');
  });

  it("refuses to replace a user's hook; --force replaces it and keeps a copy", async () => {
    const d = await repo({ 'a.txt': 'a\n' });
    const mine = '#!/bin/sh\necho my hook\n';
    writeFileSync(join(d, '.git', 'hooks', 'pre-push'), mine, { mode: 0o755 });
    const r = await repro(d, 'install-hooks', '--json');
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error.code).toBe('E_USAGE');
    expect(readFileSync(join(d, '.git', 'hooks', 'pre-push'), 'utf8')).toBe(mine);
    const f = JSON.parse((await repro(d, 'install-hooks', '--force', '--json')).stdout);
    expect(f.hooks.find((h: { name: string }) => h.name === 'pre-push')).toMatchObject({
      action: 'replaced',
      backup: expect.stringMatching(/pre-push\.pre-repro$/),
    });
    expect(readFileSync(join(d, '.git', 'hooks', 'pre-push.pre-repro'), 'utf8')).toBe(mine);
  });

  it('git push runs repro push through the hook: objects to the cache remote, run records to the remote pushed to, once', async () => {
    const root = mkdtempSync(join(tmpdir(), 'repro-hooks-'));
    dirs.push(root);
    const a = await producer(repo, join(root, 'store'));
    expect((await repro(a, 'run', '--force')).code).toBe(0);
    git(root, 'init', '-q', '--bare', '-b', 'main', join(root, 'o.git'));
    git(a, 'remote', 'add', 'up', join(root, 'o.git'));
    expect((await repro(a, 'install-hooks')).code).toBe(0);
    const out = execFileSync('git', ['push', 'up', 'main'], {
      cwd: a,
      env: { ...process.env, PATH: `${shimPath()}:${process.env.PATH}` },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(out).toContain("run records: 1 pushed to Git remote 'up'");
    expect(git(join(root, 'o.git'), 'for-each-ref', '--format=%(refname)').split('\n').filter(Boolean).sort()).toEqual([
      'refs/heads/main',
      expect.stringMatching(/^refs\/repro\/runs\//),
    ]);
    expect(statSync(join(root, 'store', 'objects')).isDirectory()).toBe(true);
  });
});
