import { describe, expect, it } from 'vitest';
import { run } from '../../src/ops/run/index.js';
import { tempRepos } from '../helpers/repo.js';

// Writing the record catches what a sound build can meet (ReproError, an OS error) and reports it
// as `recordError`; a bug (any other exception) propagates instead of posing as a record failure.
// The fingerprint promise is the caller's (RunOptions.environment): a way in for both kinds.

const PIPELINE = `stages:
  make:
    cmd: cp in.txt out.txt
    deps: [in.txt]
    outs: [out.txt]
`;

/** A promise that rejects with `e` when awaited, without counting as an unhandled rejection meanwhile. */
function rejecting<T>(e: Error): Promise<T> {
  const p = Promise.reject(e);
  p.catch(() => undefined);
  return p;
}

describe('recordRun failures', () => {
  const { repo } = tempRepos();

  it('an OS error while recording is recordError; the run stands', async () => {
    const d = await repo({ 'repro.yaml': PIPELINE, 'in.txt': 'x\n' });
    const eio = Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO', syscall: 'read', errno: -5 });
    const res = await run({ cwd: d, environment: rejecting(eio) });
    expect(res.ok).toBe(true);
    expect(res.recordError).toBe('EIO: i/o error, read');
    expect(res.runId).toBeUndefined();
  });

  it('a bug while recording propagates: it is not reported as a record failure', async () => {
    const d = await repo({ 'repro.yaml': PIPELINE, 'in.txt': 'x\n' });
    await expect(run({ cwd: d, environment: rejecting(new TypeError('a bug')) })).rejects.toThrow(TypeError);
  });
});
