import { describe, expect, it } from 'vitest';
import { ABSENT, diffFingerprints, type EnvFingerprint } from '../../src/env/index.js';

function fp(over: Partial<EnvFingerprint> = {}): EnvFingerprint {
  return {
    cpu: { count: 8, model: 'AMD EPYC' },
    locale: 'C.UTF-8',
    memory_bytes: 1024,
    node: 'v20.11.0',
    os: { arch: 'x64', platform: 'linux', release: '6.1.0', version: '#1 SMP' },
    repro: '0.1.0',
    runtimes: { python3: 'Python 3.11.9' },
    timezone: 'UTC',
    tools: {},
    ...over,
  };
}

describe('diffFingerprints', () => {
  it('returns nothing for equal fingerprints', () => {
    expect(diffFingerprints(fp(), fp())).toEqual([]);
  });

  it('lists differing leaves as dotted fields, sorted, absent sides marked', () => {
    const a = fp();
    const b = fp({
      os: { arch: 'x64', platform: 'linux', release: '6.8.0' },
      runtimes: { python3: 'Python 3.12.1', R: 'R 4.3' },
      memory_bytes: 2048,
      gpu: [{ name: 'Tesla T4', driver: '535' }],
    });
    expect(diffFingerprints(a, b)).toEqual([
      { field: 'gpu.0.driver', a: ABSENT, b: '535' },
      { field: 'gpu.0.name', a: ABSENT, b: 'Tesla T4' },
      { field: 'memory_bytes', a: '1024', b: '2048' },
      { field: 'os.release', a: '6.1.0', b: '6.8.0' },
      { field: 'os.version', a: '#1 SMP', b: ABSENT },
      { field: 'runtimes.R', a: ABSENT, b: 'R 4.3' },
      { field: 'runtimes.python3', a: 'Python 3.11.9', b: 'Python 3.12.1' },
    ]);
  });

  it('reports a changed multi-line tool output by the lines unique to each side', () => {
    const tool = (output: string) => ({ 'pip freeze': { cmd: 'pip freeze', output, hash: `h(${output})` } });
    const a = fp({ tools: tool('numpy==1.26.4\npandas==2.2.2\nscipy==1.13.0') });
    const b = fp({ tools: tool('numpy==2.0.0\npandas==2.2.2\nscipy==1.13.0\ntorch==2.3.0') });
    expect(diffFingerprints(a, b)).toEqual([{ field: 'tools.pip freeze.output', a: 'numpy==1.26.4', b: 'numpy==2.0.0\ntorch==2.3.0' }]);
  });

  it('reports a tool present on one side only by its cmd', () => {
    const b = fp({ tools: { nvcc: { cmd: 'nvcc --version', output: 'release 12.4', hash: 'h' } } });
    expect(diffFingerprints(fp(), b)).toEqual([{ field: 'tools.nvcc.cmd', a: ABSENT, b: 'nvcc --version' }]);
    expect(diffFingerprints(b, fp())).toEqual([{ field: 'tools.nvcc.cmd', a: 'nvcc --version', b: ABSENT }]);
  });
});
