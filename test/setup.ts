import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Git in every test sees this config and nothing of the machine's: a developer's ~/.gitconfig or
 * /etc/gitconfig (hooks, signing, templates, aliases, another default branch) cannot change a
 * test's outcome. Set in process.env, so child processes (git, reproBin, a stage's shell) inherit it.
 */
const home = mkdtempSync(join(tmpdir(), 'repro-test-git-'));
const globalConfig = join(home, 'gitconfig');
writeFileSync(globalConfig, '[user]\n\tname = repro test\n\temail = test@repro.invalid\n[init]\n\tdefaultBranch = main\n');
process.env.GIT_CONFIG_GLOBAL = globalConfig;
process.env.GIT_CONFIG_NOSYSTEM = '1';
delete process.env.GIT_CONFIG_SYSTEM;
// Nor may the environment a test run starts in point Git elsewhere.
for (const k of [
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_INDEX_FILE',
  'GIT_OBJECT_DIRECTORY',
  'GIT_CONFIG',
  'GIT_CONFIG_COUNT',
  'GIT_TEMPLATE_DIR',
])
  delete process.env[k];
// Every test's Git commits get this identity (it overrides any user.name in a repo's own config).
process.env.GIT_AUTHOR_NAME = 'repro test';
process.env.GIT_AUTHOR_EMAIL = 'test@repro.invalid';
process.env.GIT_COMMITTER_NAME = 'repro test';
process.env.GIT_COMMITTER_EMAIL = 'test@repro.invalid';
process.once('exit', () => rmSync(home, { recursive: true, force: true }));
