import { describe, expect, it } from 'vitest';
import { mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repro, tempRepos } from '../helpers/repo.js';

// Usage errors: exit 2, one `error:` line, and under --json the documented error document.
const { repo } = tempRepos();
const PIPELINE = { 'repro.yaml': 'version: 1\nstages:\n  a:\n    cmd: echo a > a.txt\n    outs: [a.txt]\n' };

describe('command-line usage errors', () => {
  it('repro with no command prints the usage and exits 2', async () => {
    const d = await repo(PIPELINE);
    const r = await repro(d);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Usage: repro/);
  });

  it('an unknown option under --json gives the JSON error shape on stdout, with the suggestion as hint', async () => {
    const d = await repo(PIPELINE);
    const r = await repro(d, 'run', '--forse', '--json');
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({
      error: { code: 'E_USAGE', message: "unknown option '--forse'", hint: 'Did you mean --force?' },
    });
    const u = await repro(d, 'rnu', '--json');
    expect(u.code).toBe(2);
    expect(JSON.parse(u.stdout).error.code).toBe('E_USAGE');
  });

  it.each([['0'], ['-1'], ['1.5'], ['99999999999999999999'], ['2000']])('refuses -j %s', async (j) => {
    const d = await repo(PIPELINE);
    const r = await repro(d, 'run', '--no-record', '-j', j);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--jobs must be an integer from 1 to 1024/);
    expect(existsSync(join(d, 'a.txt'))).toBe(false);
  });

  it('-C with a directory that does not exist says so', async () => {
    const d = await repo(PIPELINE);
    const r = await repro(d, '-C', 'nowhere', 'status');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/-C: no such directory: 'nowhere'/);
  });

  it('verify --md naming a directory is refused before anything runs', async () => {
    const d = await repo(PIPELINE);
    await mkdir(join(d, 'reports'));
    const r = await repro(d, 'verify', '--md', 'reports');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--md names a directory: 'reports'/);
    const r2 = await repro(d, 'verify', '--junit', 'no/such/dir/x.xml');
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/--junit: no such directory/);
  });

  it('a repro.lock that is a directory is a configuration error naming it', async () => {
    const d = await repo(PIPELINE);
    await mkdir(join(d, 'repro.lock'));
    const r = await repro(d, 'status');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/'repro\.lock' is a directory/);
  });
});
