import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { probe, runTool } from '../../src/exec/index.js';
import { tempDir } from '../helpers/tree.js';

describe('runTool', () => {
  it('returns the output of a successful tool', async () => {
    const r = await runTool(process.execPath, ['--version']);
    expect(r).toEqual({ ok: true, stdout: process.version, stderr: '' });
  });

  it('reports a non-zero exit without throwing', async () => {
    const r = await runTool('/bin/sh', ['-c', 'echo oops >&2; exit 3']);
    expect(r.ok).toBe(false);
    expect(r.stderr).toBe('oops');
  });

  it('reports a missing program without throwing', async () => {
    const r = await runTool('repro-no-such-program-xyz', ['--version']);
    expect(r.ok).toBe(false);
  });

  it('stops a tool that outlives its timeout', async () => {
    // The tool would sleep past the test's timeout (30 s): runTool returns only if it stopped it.
    const dir = tempDir();
    const r = await runTool('/bin/sh', ['-c', `echo $$ > ${dir}/pid; exec sleep 60`], { timeoutMs: 200 });
    expect(r.ok).toBe(false);
    const pid = Number(readFileSync(join(dir, 'pid'), 'utf8'));
    expect(() => process.kill(pid, 0), `tool ${pid} still runs after runTool returned`).toThrow(/ESRCH/);
  });

  it('runs in cwd', async () => {
    const r = await runTool('pwd', [], { cwd: '/' });
    expect(r.stdout).toBe('/');
  });
});

describe('probe', () => {
  it('returns trimmed stdout through a shell', async () => {
    expect(await probe('echo "  v1.2 " | cat')).toBe('v1.2');
  });

  it('falls back to stderr when stdout is empty', async () => {
    expect(await probe('echo "Python 2.7.18" >&2')).toBe('Python 2.7.18');
  });

  it('returns null for a failing or missing command', async () => {
    expect(await probe('exit 1')).toBeNull();
    expect(await probe('repro-no-such-program-xyz --version')).toBeNull();
  });
});
