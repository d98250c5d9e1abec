import { describe, expect, it } from 'vitest';
import { run } from '../../src/ops/run/run.js';
import { tempRepos } from '../helpers/repo.js';
import { read } from '../helpers/tree.js';

const { repo } = tempRepos();

describe('run() interrupted after its last stage ended', () => {
  it('finishes the bookkeeping but reports the run interrupted', async () => {
    const d = await repo({
      'repro.yaml': 'version: 1\nstages:\n  a:\n    cmd: echo a > a.txt\n    outs: [a.txt]\n',
    });
    const ac = new AbortController();
    const res = await run({
      cwd: d,
      record: false,
      signal: ac.signal,
      onEvent: (e) => {
        if (e.type === 'stage-end') ac.abort(); // Ctrl-C just after the last command
      },
    });
    expect(res.stages.map((s) => s.status)).toEqual(['executed']);
    expect(res.interrupted).toBe(true);
    expect(res.ok).toBe(false);
    expect(await read(d, 'repro.lock')).toMatch(/^ {2}a:$/m); // the finished stage is kept
  });
});
