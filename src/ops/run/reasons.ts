import { canonicalJson } from '../../core/canonical.js';
import type { KeyComponents, LockStage } from '../../lock/index.js';
import type { Reason } from '../../model/stage.js';

export type { Reason };

/** Compare the recorded key components with the current ones, component by component. */
export function explainKeyChange(old: LockStage | undefined, cur: KeyComponents): Reason[] {
  if (!old) return [{ kind: 'never-run' }];
  const out: Reason[] = [];
  if (canonicalJson(old.cmd) !== canonicalJson(cur.cmd)) out.push({ kind: 'cmd', from: old.cmd, to: cur.cmd });
  if ((old.wdir ?? '') !== cur.wdir) out.push({ kind: 'wdir', from: old.wdir ?? '', to: cur.wdir });
  for (const [path, from, to] of mapChanges(old.deps, cur.deps)) out.push({ kind: 'dep', path, from, to });
  const files = new Set([...Object.keys(old.params ?? {}), ...Object.keys(cur.params)]);
  for (const file of [...files].sort()) {
    const a = old.params?.[file] ?? {};
    const b = cur.params[file] ?? {};
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      paramChanges(file, key, a[key], b[key], out);
    }
  }
  for (const [path, from, to] of mapChanges(old.locks, cur.locks)) out.push({ kind: 'lock', path, from, to });
  for (const [name, from, to] of mapChanges(old.env, cur.env)) out.push({ kind: 'env', name, from, to });
  if ((old.seed ?? null) !== cur.seed) out.push({ kind: 'seed', from: old.seed ?? null, to: cur.seed });
  for (const [path, from, to] of mapChanges(old.outs, cur.outs)) out.push({ kind: 'outs', path, from, to });
  return out;
}

/**
 * One reason per changed leaf: a whole section declared as a param (`train`) reports
 * `train.lr 0.1 -> 0.2`, not the two sections. Values compare by canonical encoding, so key
 * order in the params file never counts as a change.
 */
function paramChanges(file: string, key: string, a: unknown, b: unknown, out: Reason[]): void {
  if (a !== undefined && b !== undefined && canonicalJson(a) === canonicalJson(b)) return;
  if (isPlainObject(a) && isPlainObject(b)) {
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      paramChanges(file, key ? `${key}.${k}` : k, a[k], b[k], out);
    }
    return;
  }
  out.push({ kind: 'param', file, key, from: a, to: b });
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** [name, old, new] for every entry that differs; null for absent. Sorted by name. */
function mapChanges(a: Record<string, string> | undefined, b: Record<string, string>): [string, string | null, string | null][] {
  const A = a ?? {};
  const names = [...new Set([...Object.keys(A), ...Object.keys(b)])].sort();
  const out: [string, string | null, string | null][] = [];
  for (const n of names) {
    const x = n in A ? A[n]! : null;
    const y = n in b ? b[n]! : null;
    if (x !== y) out.push([n, x, y]);
  }
  return out;
}
