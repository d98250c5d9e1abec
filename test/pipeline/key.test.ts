import { describe, expect, it } from 'vitest';
import type { KeyComponents } from '../../src/lock/types.js';
import { stageKey } from '../../src/pipeline/index.js';

/**
 * Pinned digests: a change here changes every stage key in every user's repro.lock, making all
 * stages stale. If it is deliberate, bump STAGE_KEY_VERSION and update these literals.
 */
const EMPTY: KeyComponents = { cmd: [], wdir: '', deps: {}, params: {}, locks: {}, env: {}, seed: null, outs: {} };

const FULL: KeyComponents = {
  cmd: ['python train.py --model small'],
  wdir: '',
  deps: { 'data/prepared': 'a'.repeat(64) + '.dir', 'train.py': 'b'.repeat(64) },
  params: { 'params.yaml': { train: { lr: 0.1, epochs: 3 } } },
  locks: { 'requirements.txt': 'c'.repeat(64) },
  env: { OMP_NUM_THREADS: '4' },
  seed: 7,
  outs: { 'metrics/small.json': 'metric', 'models/small.bin': 'out' },
};

describe('stageKey', () => {
  it('is sha256 of the canonical JSON of { v: 1, ...components }', () => {
    // printf '%s' '{"cmd":[],"deps":{},"env":{},"locks":{},"outs":{},"params":{},"seed":null,"v":1,"wdir":""}' | sha256sum
    expect(stageKey(EMPTY)).toBe('b9fed1326c4d66eba052227a7ea0a464c1b0c00bbab0c0f840d77b9b078bc800');
    expect(stageKey(FULL)).toBe('e22b3a5c41f5577ec24bd65e2a8c727782365cbf3cc4168acde4fd9098f356a0');
  });

  it('does not depend on key order', () => {
    const shuffled: KeyComponents = {
      outs: { 'models/small.bin': 'out', 'metrics/small.json': 'metric' },
      seed: 7,
      env: { OMP_NUM_THREADS: '4' },
      locks: { 'requirements.txt': 'c'.repeat(64) },
      params: { 'params.yaml': { train: { epochs: 3, lr: 0.1 } } },
      deps: { 'train.py': 'b'.repeat(64), 'data/prepared': 'a'.repeat(64) + '.dir' },
      wdir: '',
      cmd: ['python train.py --model small'],
    };
    expect(stageKey(shuffled)).toBe(stageKey(FULL));
  });

  it('changes with every component', () => {
    const base = stageKey(FULL);
    const variants: Partial<KeyComponents>[] = [
      { cmd: ['python train.py --model large'] },
      { wdir: 'sub' },
      { deps: { ...FULL.deps, 'train.py': 'd'.repeat(64) } },
      { params: { 'params.yaml': { train: { lr: 0.2, epochs: 3 } } } },
      { locks: { 'requirements.txt': '' } },
      { env: { OMP_NUM_THREADS: '8' } },
      { seed: 8 },
      { seed: null },
      { outs: { 'models/small.bin': 'out' } },
    ];
    const keys = variants.map((v) => stageKey({ ...FULL, ...v }));
    expect(new Set([base, ...keys]).size).toBe(variants.length + 1);
  });
});
