import { describe, expect, it } from 'vitest';
import { findRepo, isDirty, newRunId, snapshotTree, writeRunCommit, type RepoInfo } from '../../src/record/index.js';
import { git, makeRepo, writeFiles } from './helpers.js';

/**
 * Slow-ish: timing of the record path. Budget from the brief: one record (snapshot + commit +
 * ref) for a ~20-file repository within 50 ms once the module is loaded; `git commit` takes ~14 ms.
 * Bounds are loose (shared, noisy machines); the medians are printed via the test name on failure.
 */
async function median(n: number, fn: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(n / 2)]!;
}

async function recordOnce(repo: RepoInfo, i: number): Promise<void> {
  const tree = await snapshotTree({ repo, extraFiles: { 'repro.lock': `n: ${i}\n`, '.repro-run/record.json': `{"i":${i}}` } });
  await writeRunCommit({ repo, runId: newRunId(), tree, message: `run ${i}`, parents: [repo.head!] });
}

describe('record write performance', () => {
  it('writes one record for a 20-file repository in well under 50 ms', async () => {
    const files = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`src/m${i % 4}/f${i}.py`, `x = ${i}\n`.repeat(50)]));
    const root = makeRepo(files);
    writeFiles(root, { 'src/m0/f0.py': 'edited\n' });
    const repo = await findRepo(root);
    await recordOnce(repo, -1); // warm-up: module and file-system caches
    let i = 0;
    const ms = await median(25, () => recordOnce(repo, i++));
    expect(ms, `median record write ${ms.toFixed(1)} ms`).toBeLessThan(50);
  });

  it('snapshots a 5000-file repository quickly when few files changed', async () => {
    const files = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`d${i % 50}/s${i % 7}/f${i}.txt`, `${i}\n`]));
    const root = makeRepo(files);
    writeFiles(root, Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`d${i}/s${i % 7}/f${i}.txt`, `changed ${i}\n`])));
    const repo = await findRepo(root);
    await snapshotTree({ repo, extraFiles: {} });
    const ms = await median(5, () => snapshotTree({ repo, extraFiles: {} }));
    const dirty = await median(5, () => isDirty(repo));
    const gitStatus = await median(5, async () => git(root, 'status', '--porcelain'));
    expect(ms, `snapshot ${ms.toFixed(1)} ms, isDirty ${dirty.toFixed(1)} ms, git status ${gitStatus.toFixed(1)} ms`).toBeLessThan(500);
  });
});
