import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalJson, sha256 } from '../../src/core/canonical.js';
import { GPU_QUERY, REDACTED, fingerprint, parseGpus, type Probe } from '../../src/env/index.js';

/** A real probe over a fixed table of answers; records what it was asked. */
function tableProbe(answers: Record<string, string>): Probe & { asked: string[] } {
  const asked: string[] = [];
  const probe = async (cmd: string) => {
    asked.push(cmd);
    return answers[cmd] ?? null;
  };
  return Object.assign(probe, { asked });
}

const FREEZE = 'numpy==1.26.4\npandas==2.2.2\nprivate-pkg @ git+https://ci:s3cr3tpass@git.example.com/p.git';

describe('fingerprint', () => {
  it('describes this machine with sorted keys and no probes', async () => {
    const fp = await fingerprint({ reproVersion: '0.1.0', env: { PATH: '', LANG: 'en_US.UTF-8', TZ: 'Europe/Paris' } });
    expect(fp).toMatchObject({
      node: process.version,
      repro: '0.1.0',
      runtimes: {},
      tools: {},
      locale: 'en_US.UTF-8',
      timezone: 'Europe/Paris',
      os: { platform: process.platform, arch: process.arch },
    });
    expect(fp.cpu.count).toBeGreaterThan(0);
    expect(typeof fp.cpu.model).toBe('string');
    expect(fp.memory_bytes).toBeGreaterThan(0);
    expect(fp.gpu).toBeUndefined();
    expect(Object.keys(fp)).toEqual(Object.keys(fp).sort());
    expect(Object.keys(fp.os)).toEqual(Object.keys(fp.os).sort());
    // stable: hashing twice gives the same digest
    const again = await fingerprint({ reproVersion: '0.1.0', env: { PATH: '', LANG: 'en_US.UTF-8', TZ: 'Europe/Paris' } });
    expect(canonicalJson(again)).toBe(canonicalJson(fp));
    expect(JSON.stringify(again)).toBe(JSON.stringify(fp));
  });

  it('records runtimes and tools from the probe, leaving out failed ones, with hashes of full output', async () => {
    const probe = tableProbe({
      'python3 --version': 'Python 3.11.9',
      '/usr/bin/R --version': 'R version 4.3.1',
      'pip freeze': FREEZE,
    });
    const fp = await fingerprint({
      reproVersion: '0.1.0',
      probe,
      runtimes: ['python3 --version', '/usr/bin/R --version', 'julia --version'],
      tools: ['pip freeze', { name: 'nvcc', cmd: 'nvcc --version' }],
      env: { PATH: '' },
    });
    expect(fp.runtimes).toEqual({ R: 'R version 4.3.1', python3: 'Python 3.11.9' });
    expect(Object.keys(fp.tools)).toEqual(['pip freeze']);
    const pip = fp.tools['pip freeze']!;
    expect(pip.cmd).toBe('pip freeze');
    expect(pip.output).toBe(FREEZE.replace('s3cr3tpass', REDACTED));
    expect(pip.hash).toBe(sha256(pip.output));
    expect(probe.asked).not.toContain(GPU_QUERY);
  });

  it('defaults runtimes to python3 --version', async () => {
    const probe = tableProbe({});
    await fingerprint({ reproVersion: '0', probe, env: { PATH: '' } });
    expect(probe.asked).toEqual(['python3 --version']);
  });

  it('asks nvidia-smi only when it is on PATH', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'repro-env-'));
    writeFileSync(join(bin, 'nvidia-smi'), '#!/bin/sh\n');
    chmodSync(join(bin, 'nvidia-smi'), 0o755);
    const probe = tableProbe({ [GPU_QUERY]: 'NVIDIA A100-SXM4-40GB, 535.104.05, 40960 MiB\nTesla T4, 535.104.05, 15360 MiB\n' });
    const fp = await fingerprint({ reproVersion: '0', probe, runtimes: [], env: { PATH: `/nonexistent:${bin}` } });
    expect(fp.gpu).toEqual([
      { driver: '535.104.05', memory: '40960 MiB', name: 'NVIDIA A100-SXM4-40GB' },
      { driver: '535.104.05', memory: '15360 MiB', name: 'Tesla T4' },
    ]);
  });

  it('redacts every string, including runtime output carrying a secret env value', async () => {
    const env = { PATH: '', HF_TOKEN: 'hf-secret-value-123' };
    const probe = tableProbe({ 'tool --version': 'tool 1.0 (token hf-secret-value-123)' });
    const fp = await fingerprint({ reproVersion: '0', probe, runtimes: ['tool --version'], env });
    expect(fp.runtimes.tool).toBe(`tool 1.0 (token ${REDACTED})`);
    expect(JSON.stringify(fp)).not.toContain('hf-secret-value-123');
  });
});

describe('parseGpus', () => {
  it('parses rows and skips blank lines; memory is optional', () => {
    expect(parseGpus('A, 1\n\n')).toEqual([{ name: 'A', driver: '1' }]);
  });
});
