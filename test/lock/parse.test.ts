import { describe, expect, it } from 'vitest';
import { parseLock, serializeLock, type LockFile } from '../../src/lock/index.js';
import { reproError } from '../helpers/errors.js';

const GOOD: LockFile = {
  schema: 1,
  stages: {
    train: {
      cmd: ['python train.py'],
      wdir: '',
      deps: { 'data.csv': 'a'.repeat(64) },
      params: { 'params.yaml': { 'train.lr': 0.1 } },
      locks: {},
      env: {},
      seed: 42,
      outs: { 'model.json': 'out' },
      key: 'b'.repeat(64),
      out_hashes: { 'model.json': { hash: 'c'.repeat(64), size: 10 } },
    },
  },
};

/** The error parseLock throws for `text`. */
function failure(text: string): { message: string; line?: number; hint?: string } {
  const e = reproError(() => parseLock(text));
  return { message: e.message.replace(/^repro\.lock:\d+:\d+: /, ''), line: e.pos?.line, hint: e.hint };
}

describe('parseLock', () => {
  it('round-trips what serializeLock writes', () => {
    expect(parseLock(serializeLock(GOOD))).toEqual(GOOD);
  });

  it.each([
    ['cmd is a number', (t: string) => t.replace(/cmd:\n\s+- "python train.py"/, 'cmd: 5'), /'cmd' must be a list of strings/],
    [
      'an out hash is a number',
      (t: string) => t.replace(/model\.json:\n(\s+)hash: c+\n\s+size: 10/, 'model.json: 5'),
      /'out_hashes' is malformed/,
    ],
    ['key is missing', (t: string) => t.replace(/\n\s+key: b+/, ''), /'key' must be a string/],
    ['seed is text', (t: string) => t.replace('seed: 42', 'seed: abc'), /'seed' must be a number or null/],
  ])('names the stage and its line when an entry is malformed (%s)', (_, edit, message) => {
    const text = edit(serializeLock(GOOD));
    const f = failure(text);
    expect(f.message).toMatch(/^malformed lock entry for stage 'train': /);
    expect(f.message).toMatch(message);
    expect(f.line).toBe(text.split('\n').indexOf('  train:') + 1);
    expect(f.hint).toMatch(/git checkout -- repro\.lock/);
  });

  it('says a lock with merge conflict markers is conflicted, at the first marker', () => {
    const text = serializeLock(GOOD).replace('    seed: 42', '<<<<<<< HEAD\n    seed: 42\n=======\n    seed: 7\n>>>>>>> other');
    const f = failure(text);
    expect(f.message).toBe("unresolved merge conflict in 'repro.lock'");
    expect(f.line).toBe(text.split('\n').indexOf('<<<<<<< HEAD') + 1);
    expect(f.hint).toMatch(/--theirs/);
  });
});
