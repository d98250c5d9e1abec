import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { git, tempRepos } from './repo.js';

// test/setup.ts: Git in every test, and in every child process, sees the test config only.
const { repo } = tempRepos();

describe('Git isolation', () => {
  it('reads no config but the temp global one (identity, default branch), in-process and in children', async () => {
    const d = await repo();
    const origins = git(d, 'config', '--list', '--show-origin', '--show-scope').trim().split('\n');
    const global = process.env.GIT_CONFIG_GLOBAL!;
    expect(origins.filter((l) => !l.startsWith('local\t')).sort()).toEqual(
      ['init.defaultbranch=main', 'user.email=test@repro.invalid', 'user.name=repro test'].map((kv) => `global\tfile:${global}\t${kv}`),
    );
    expect(git(d, 'symbolic-ref', 'HEAD').trim()).toBe('refs/heads/main');
    // A grandchild (node -> git) inherits it too: what reproBin and a stage's shell see.
    const child = execFileSync(
      process.execPath,
      ['-e', 'process.stdout.write(require("child_process").execFileSync("git", ["config", "user.name"]))'],
      {
        cwd: d,
      },
    ).toString();
    expect(child.trim()).toBe('repro test');
  });
});
