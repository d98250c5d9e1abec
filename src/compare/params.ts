/**
 * Parameter diffs, as `repro diff` shows them. Nested mappings are flattened to dotted keys; lists
 * are values in their own right (`layers: [64, 32]` → `[64, 128]` is one change, as in `dvc params
 * diff`), compared element by element.
 */
import { isPlainObject, join } from './flatten.js';

export type ParamChange = 'added' | 'removed' | 'changed' | 'unchanged';

export interface ParamDiff {
  key: string;
  /** value on side a; absent when the key was added */
  a?: unknown;
  /** value on side b; absent when the key was removed */
  b?: unknown;
  change: ParamChange;
}

/**
 * Every leaf key of either side with its change, sorted by key (UTF-16 code units, like the lock
 * file, so the order does not depend on locale). Unchanged keys are included; filter them to show
 * only what moved.
 */
export function diffParams(a: Record<string, unknown>, b: Record<string, unknown>): ParamDiff[] {
  const fa = flattenParams(a);
  const fb = flattenParams(b);
  const keys = [...new Set([...fa.keys(), ...fb.keys()])].sort();
  return keys.map((key): ParamDiff => {
    const inA = fa.has(key);
    const inB = fb.has(key);
    if (!inA) return { key, b: fb.get(key), change: 'added' };
    if (!inB) return { key, a: fa.get(key), change: 'removed' };
    const va = fa.get(key);
    const vb = fb.get(key);
    return { key, a: va, b: vb, change: deepEqual(va, vb) ? 'unchanged' : 'changed' };
  });
}

/** Leaves of nested mappings (lists, scalars and null are leaves; empty mappings vanish). */
export function flattenParams(obj: Record<string, unknown>, prefix = ''): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const visit = (v: unknown, key: string): void => {
    if (isPlainObject(v)) for (const [k, x] of Object.entries(v)) visit(x, join(key, k));
    else out.set(key, v);
  };
  for (const [k, v] of Object.entries(obj)) visit(v, join(prefix, k));
  return out;
}

/** Structural equality of parsed YAML/JSON values; NaN equals NaN, 0 equals −0. */
function deepEqual(x: unknown, y: unknown): boolean {
  if (x === y) return true;
  if (typeof x === 'number' && typeof y === 'number') return Number.isNaN(x) && Number.isNaN(y);
  if (Array.isArray(x) && Array.isArray(y)) return x.length === y.length && x.every((v, i) => deepEqual(v, y[i]));
  if (x instanceof Date && y instanceof Date) return x.getTime() === y.getTime();
  if (isPlainObject(x) && isPlainObject(y)) {
    const kx = Object.keys(x);
    return kx.length === Object.keys(y).length && kx.every((k) => k in y && deepEqual(x[k], y[k]));
  }
  return false;
}
