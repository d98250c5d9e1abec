import { describe, expect, it } from 'vitest';
import { mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { repro, tempRepos } from '../helpers/repo.js';

// A symlink inside a directory dependency that leads out of the repository.
const { repo } = tempRepos();

const FILES = {
  '.gitignore': '/.repro\n',
  'dd/a.txt': 'a\n',
  'repro.yaml': `version: 1
stages:
  use:
    cmd: ls dd > listing.txt
    deps: [dd]
    outs: [listing.txt]
`,
};

describe('a directory dependency holding a symlink that leads outside it', () => {
  it('run, status and verify name the dependency, the path from the repository root and the repro.yaml position', async () => {
    const d = await repo(FILES);
    await symlink('/etc/passwd', join(d, 'dd/p'));
    const want = "error: repro.yaml:5:12: symlink in a dependency leads outside it: 'dd/p' -> '/etc/passwd'\n";
    for (const cmd of ['run', 'status', 'verify']) {
      const r = await repro(d, cmd);
      expect(r.code, r.stdout + r.stderr).toBe(2);
      expect(r.stderr).toBe(`${want}hint: copy the file into the dependency instead of linking to it\n`);
    }
    const j = await repro(d, 'status', '--json');
    expect(JSON.parse(j.stdout).error).toMatchObject({ code: 'E_PATH_ESCAPE', message: want.slice('error: '.length, -1) });
  });

  it('nested: the path shown includes the subdirectory', async () => {
    const d = await repo(FILES);
    await mkdir(join(d, 'dd/sub'));
    await symlink('/etc/passwd', join(d, 'dd/sub/p'));
    const r = await repro(d, 'status');
    expect(r.stderr).toContain("error: repro.yaml:5:12: symlink in a dependency leads outside it: 'dd/sub/p' -> '/etc/passwd'");
  });
});

describe('a stage whose directory output holds a symlink leading outside it', () => {
  it('fails that stage, naming the output path and its repro.yaml position; other stages still run', async () => {
    const d = await repo({
      '.gitignore': '/.repro\n',
      'repro.yaml': `version: 1
stages:
  bad:
    cmd: mkdir -p out && ln -s /etc/passwd out/p
    outs: [out/]
  good:
    cmd: echo ok > good.txt
    outs: [good.txt]
`,
    });
    const r = await repro(d, 'run', '--no-record', '--json');
    expect(r.code).toBe(1);
    const stages = JSON.parse(r.stdout).stages as Array<{ name: string; status: string; error: string | null }>;
    const bad = stages.find((s) => s.name === 'bad')!;
    expect(bad.status).toBe('failed');
    expect(bad.error).toBe("repro.yaml:5:12: symlink in an output leads outside it: 'out/p' -> '/etc/passwd'");
    expect(stages.find((s) => s.name === 'good')!.status).toBe('executed');
  });
});
