import { randomInt } from 'node:crypto';
import { selectStages, type Pipeline } from '../../pipeline/index.js';

/**
 * Which stages `verify --rerun [STAGE...] [--sample K]` re-runs. Names are stage names, group
 * names (`train` = every `train@*`) or output paths; unknown ones are `E_NOT_FOUND` (exit 2).
 * Only the named stages are compared; their upstream is restored or re-run by the isolated run.
 */
export function rerunTargets(p: Pipeline, names: string[]): string[] {
  if (names.length === 0) return p.stages.map((s) => s.name);
  return selectStages(p, names, { closure: false }).map((s) => s.name);
}

/** A fresh seed for `--sample` when none is given: printed, so the pick can be repeated. */
export function newSampleSeed(): number {
  return randomInt(0, 2 ** 31);
}

/**
 * `k` of `names` picked by a seeded shuffle (mulberry32, partial Fisher–Yates), returned in the
 * order of `names` (topological). The same names, k and seed give the same pick on every machine.
 */
export function sampleStages(names: string[], k: number, seed: number): string[] {
  const next = mulberry32(seed);
  const pool = [...names];
  const n = Math.min(k, pool.length);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(next() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  const chosen = new Set(pool.slice(0, n));
  return names.filter((x) => chosen.has(x));
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
