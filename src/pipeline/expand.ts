import { ReproError, type SourcePos } from '../core/errors.js';
import { clip } from '../core/text.js';
import type { PMap, PNode } from '../core/yaml.js';
import { interpolate, referencedNames, type Scope } from './interpolate.js';
import { asMap, checkKeys, entry } from './nodes.js';

/**
 * matrix/foreach expansion of one declared stage into instances. Each instance has a name
 * (`train`, `train@small`, `train@small-0.1`), the body map to build from, and the locals it binds:
 *
 * - `foreach: [a, b]` + `do: {...}` → `g@a`, `g@b` with `${item}`; a list item that is a map or
 *   list is named by its index (`g@0`). `foreach: {k: v}` → `g@k` with `${key}` and `${item}` = v.
 * - `matrix: {model: [small, large], lr: [0.1, 0.2]}` beside the body keys → the cartesian product
 *   in axis order, first axis outermost: `g@small-0.1`, `g@small-0.2`, `g@large-0.1`, ...;
 *   `${item.model}`, and `${key}` = the suffix (`small-0.1`). Non-scalar values are named
 *   `<axis><index>`.
 * - A whole-string `${var}` may stand for the foreach list/map or a matrix axis; `${...}` inside
 *   the data written in repro.yaml is resolved too (valueOf).
 */

export interface Instance {
  name: string;
  group: string;
  body: PMap;
  locals: Record<string, unknown>;
}

const SUFFIX_BAD = /[\s/\\:@,]/;

function isScalar(v: unknown): v is string | number | boolean {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

const STAGE_LOCALS = ['item', 'key', 'seed'];

/**
 * A plain value from a foreach/matrix node with `${...}` resolved in every string, nested ones
 * included, against vars and params (a whole-string `${x}` keeps its type): the data reaches
 * `${item...}` resolved, never as a `${...}` for the shell. `item`, `key` and `seed` are bound
 * per generated stage, so the data cannot use them. Map keys are taken as written.
 */
function valueOf(n: PNode, scope: Scope, what: string): unknown {
  if (n.kind === 'seq') return n.items.map((i) => valueOf(i, scope, what));
  if (n.kind === 'map') {
    const out: Record<string, unknown> = {};
    for (const e of n.entries)
      Object.defineProperty(out, e.key, { value: valueOf(e.value, scope, what), enumerable: true, writable: true, configurable: true });
    return out;
  }
  if (typeof n.value !== 'string') return n.value;
  for (const ref of referencedNames(n.value, n.pos)) {
    if (STAGE_LOCALS.includes(ref) && !Object.prototype.hasOwnProperty.call(scope.vars, ref)) {
      throw new ReproError('E_INTERPOLATION', `${what} uses '\${${ref}}', which each generated stage binds`, {
        pos: n.pos,
        hint: `write '\${${ref}}' in the stage's fields under do: (or beside matrix:), not in the data it expands over`,
      });
    }
  }
  return interpolate(n.value, scope, n.pos);
}

function suffix(v: unknown, fallback: string, group: string, pos: SourcePos): string {
  const s = isScalar(v) ? String(v) : fallback;
  if (s === '' || SUFFIX_BAD.test(s)) {
    throw new ReproError('E_CONFIG', `stage '${group}' expands to an invalid name '${group}@${clip(s)}'`, {
      pos,
      hint: 'generated names may not contain spaces, slashes, colons, commas or @: use a map (foreach: {name: value})',
    });
  }
  return s;
}

export function expandStage(group: string, node: PMap, stageKeys: readonly string[], scope: Scope): Instance[] {
  const foreach = entry(node, 'foreach');
  const matrix = entry(node, 'matrix');
  if (foreach && matrix) {
    throw new ReproError('E_CONFIG', `stage '${group}' has both 'foreach' and 'matrix'`, {
      pos: matrix.pos,
      hint: 'use one of them: matrix for a cartesian product, foreach for a list or map',
    });
  }
  if (foreach) return expandForeach(group, node, foreach, stageKeys, scope);
  const stray = node.entries.find((x) => x.key === 'do');
  if (stray) throw new ReproError('E_CONFIG', `stage '${group}' has 'do' without 'foreach'`, { pos: stray.keyPos });
  const body = matrix ? { ...node, entries: node.entries.filter((e) => e.key !== 'matrix') } : node;
  // 'matrix' and 'foreach' are absent here but listed, so that a typo of them gets a suggestion.
  checkKeys(body, [...stageKeys, 'matrix', 'foreach'], `stage '${group}'`);
  if (!matrix) return [{ name: group, group, body, locals: {} }];
  return expandMatrix(group, body, matrix, scope);
}

function expandForeach(group: string, node: PMap, foreach: PNode, stageKeys: readonly string[], scope: Scope): Instance[] {
  const hints: Record<string, string> = {};
  for (const e of node.entries) if (stageKeys.includes(e.key)) hints[e.key] = `with foreach, '${e.key}' goes under 'do:'`;
  checkKeys(node, ['foreach', 'do'], `stage '${group}'`, hints);
  const doNode = entry(node, 'do');
  if (!doNode) throw new ReproError('E_CONFIG', `stage '${group}' has 'foreach' without 'do'`, { pos: foreach.pos });
  const body = asMap(doNode, `stage '${group}' do`);
  checkKeys(body, stageKeys, `stage '${group}' do`);
  const value = valueOf(foreach, scope, `foreach of stage '${group}'`);
  let pairs: { s: string; locals: Record<string, unknown> }[];
  if (Array.isArray(value)) {
    pairs = value.map((item, i) => ({ s: suffix(item, String(i), group, foreach.pos), locals: { item } }));
  } else if (value !== null && typeof value === 'object') {
    pairs = Object.entries(value).map(([key, item]) => ({ s: suffix(key, key, group, foreach.pos), locals: { key, item } }));
  } else {
    throw new ReproError('E_CONFIG', `stage '${group}' foreach must be a list or a map`, { pos: foreach.pos });
  }
  return finish(group, body, pairs, foreach.pos);
}

function expandMatrix(group: string, body: PMap, matrixNode: PNode, scope: Scope): Instance[] {
  const matrix = asMap(matrixNode, `stage '${group}' matrix`);
  if (matrix.entries.length === 0) throw new ReproError('E_CONFIG', `stage '${group}' matrix is empty`, { pos: matrix.pos });
  const axes = matrix.entries.map((e) => {
    const values = valueOf(e.value, scope, `matrix axis '${clip(e.key)}' of stage '${group}'`);
    if (!Array.isArray(values) || values.length === 0) {
      throw new ReproError('E_CONFIG', `stage '${group}' matrix axis '${clip(e.key)}' must be a non-empty list`, { pos: e.value.pos });
    }
    return { axis: e.key, values, names: values.map((v, i) => suffix(v, `${e.key}${i}`, group, e.value.pos)) };
  });
  let combos: { s: string[]; item: Record<string, unknown> }[] = [{ s: [], item: {} }];
  for (const a of axes) {
    const next: typeof combos = [];
    for (const c of combos) {
      a.values.forEach((v, i) => next.push({ s: [...c.s, a.names[i]!], item: { ...c.item, [a.axis]: v } }));
    }
    combos = next;
  }
  const pairs = combos.map((c) => {
    const s = c.s.join('-');
    return { s, locals: { item: c.item, key: s } };
  });
  return finish(group, body, pairs, matrix.pos);
}

function finish(group: string, body: PMap, pairs: { s: string; locals: Record<string, unknown> }[], pos: SourcePos): Instance[] {
  const seen = new Set<string>();
  return pairs.map(({ s, locals }) => {
    const name = `${group}@${s}`;
    if (seen.has(name)) throw new ReproError('E_CONFIG', `stage '${group}' expands to '${clip(name)}' twice`, { pos });
    seen.add(name);
    return { name, group, body, locals };
  });
}
