import { describe, expect, it } from 'vitest';
import { probe, runTool } from '../../src/exec/index.js';

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
    const t0 = Date.now();
    const r = await runTool('sleep', ['20'], { timeoutMs: 200 });
    expect(r.ok).toBe(false);
    expect(Date.now() - t0).toBeLessThan(10_000);
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
