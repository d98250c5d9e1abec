import { cp, readdir, rename, rm, stat } from 'node:fs/promises';
import { absPath } from '../../core/paths.js';
import type { StageRunWith } from '../isolated/engine.js';
import type { Cache } from '../../cache/index.js';
import type { LockStage } from '../../lock/index.js';
import type { Stage } from '../../pipeline/index.js';
import { hashOrNull, assertInside } from '../isolated/exec.js';
import type { Variation } from './vary-plan.js';

/**
 * The `prepare` hook of one `--vary` re-run (see rerunIsolated): puts the stage's deps back to
 * what the lock records (an upstream stage ran under the same variation just before), applies
 * the variation's file changes, and says what the stage runs with.
 */
export function prepareFor(
  v: Variation | null,
  env: NodeJS.ProcessEnv,
): (a: { dir: string; stage: Stage; entry: LockStage; cache: Cache }) => Promise<StageRunWith> {
  return async ({ dir, stage, entry, cache }) => {
    for (const [path, expected] of Object.entries(entry.deps ?? {})) {
      if (expected === '') continue;
      assertInside(dir, path);
      const abs = absPath(dir, path);
      if ((await hashOrNull(cache, abs))?.hash === expected) continue;
      if (!(await cache.has(expected))) continue; // left as it is: prepareInputs reports the change
      await rm(abs, { recursive: true, force: true });
      await cache.checkout(expected, abs);
    }
    const out: StageRunWith = {};
    if (!v) return out;
    if (v.reorder) for (const path of Object.keys(entry.deps ?? {})) await reverseCopy(dir, path);
    if (v.env) {
      const e: NodeJS.ProcessEnv = { ...env };
      for (const [k, val] of Object.entries(v.env)) {
        if (val === undefined) delete e[k];
        else e[k] = val;
      }
      out.env = e;
    }
    if (v.seedShift !== undefined && entry.seed !== null && entry.seed !== undefined) out.seed = entry.seed + v.seedShift;
    if (v.wrap) out.cmd = entry.cmd.map(v.wrap);
    void stage;
    return out;
  };
}

/**
 * Re-create a dep directory with its entries made in reverse name order (each subdirectory
 * too), so a command that lists it unsorted sees another order where the file system lists in
 * creation order (tmpfs, and many small ext4 directories); a file dep is left alone.
 */
async function reverseCopy(dir: string, path: string): Promise<void> {
  assertInside(dir, path);
  const abs = absPath(dir, path);
  const st = await stat(abs).catch(() => null);
  if (!st?.isDirectory()) return;
  const tmp = `${abs}.repro-vary-order`;
  await rm(tmp, { recursive: true, force: true });
  await copyReversed(abs, tmp);
  await rm(abs, { recursive: true, force: true });
  await rename(tmp, abs);
}

async function copyReversed(from: string, to: string): Promise<void> {
  await cp(from, to, { recursive: true, filter: (src) => src === from }); // the directory itself, empty
  const names = (await readdir(from)).sort().reverse();
  for (const n of names) {
    const s = `${from}/${n}`;
    const d = `${to}/${n}`;
    if ((await stat(s)).isDirectory()) await copyReversed(s, d);
    else await cp(s, d, { preserveTimestamps: true });
  }
}
