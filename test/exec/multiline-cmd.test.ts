import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repro, tempRepos } from '../helpers/repo.js';

// A `cmd: |` block fails the stage at its first failing line (exec/script.ts), through a real run:
// nothing after it runs, nothing is cached or locked as good.
describe('repro run: a multi-line cmd', () => {
  const { repo } = tempRepos();

  it('fails the stage at its first failing line and records no lock entry', async () => {
    const d = await repo({
      'repro.yaml': 'stages:\n  s:\n    cmd: |\n      echo a > a.txt\n      false_command_xyz\n      echo b > b.txt\n    outs: [a.txt]\n',
    });
    const r = await repro(d, 'run', '--no-record');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('FAILED    s: command exited with code 127');
    expect(existsSync(join(d, 'b.txt'))).toBe(false);
    expect(existsSync(join(d, 'repro.lock'))).toBe(false);
  });

  it('still succeeds when every line does, and its key hashes the cmd as written', async () => {
    const d = await repo({ 'repro.yaml': 'stages:\n  s:\n    cmd: |\n      echo a > a.txt\n      echo b >> a.txt\n    outs: [a.txt]\n' });
    expect((await repro(d, 'run', '--no-record')).code).toBe(0);
    expect(readFileSync(join(d, 'a.txt'), 'utf8')).toBe('a\nb\n');
    const lock = readFileSync(join(d, 'repro.lock'), 'utf8');
    expect(lock).toContain('echo a > a.txt');
    expect(lock).not.toContain('set -e');
  });
});
