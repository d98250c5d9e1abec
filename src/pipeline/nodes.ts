import { ReproError } from '../core/errors.js';
import { clip } from '../core/text.js';
import { treeToData, type PMap, type PNode, type PScalar, type PSeq } from '../core/yaml.js';
import { didYouMean } from '../core/suggest.js';

/**
 * Typed access to the positioned YAML tree. Each helper throws `E_CONFIG` at the offending node
 * when the shape is wrong, and `E_UNKNOWN_KEY` (with a "did you mean" hint) for keys a schema
 * does not know. `what` names the value in messages (`stage 'train' deps`).
 */

/** Names users reach for from other tools, mapped to ours, for hints that edit distance misses. */
const SYNONYMS: Record<string, string> = {
  command: 'cmd',
  commands: 'cmd',
  dependencies: 'deps',
  inputs: 'deps',
  outputs: 'outs',
  output: 'outs',
  param: 'params',
  parameters: 'params',
  metric: 'metrics',
  plot: 'plots',
  description: 'desc',
  variables: 'vars',
  lockfiles: 'locks',
};

/** Reject any key of `map` not in `allowed`; `hints` overrides the hint for specific keys. */
export function checkKeys(map: PMap, allowed: readonly string[], what: string, hints: Record<string, string> = {}): void {
  for (const e of map.entries) {
    if (allowed.includes(e.key)) continue;
    const syn = SYNONYMS[e.key.toLowerCase()];
    const hint =
      hints[e.key] ??
      (syn && allowed.includes(syn) ? `did you mean '${syn}'?` : undefined) ??
      didYouMean(e.key, allowed, `valid keys: ${allowed.join(', ')}`);
    throw new ReproError('E_UNKNOWN_KEY', `unknown key '${clip(e.key)}' in ${what}`, { pos: e.keyPos, hint });
  }
}

/** The entry for `key` in `map`, if present. */
export function entry(map: PMap, key: string): PNode | undefined {
  for (const e of map.entries) if (e.key === key) return e.value;
  return undefined;
}

/** True for an empty value (`key:` with nothing after it, or `null`). */
export function isNull(n: PNode): boolean {
  return n.kind === 'scalar' && n.value === null;
}

function kindName(n: PNode): string {
  if (n.kind !== 'scalar') return n.kind === 'map' ? 'a map' : 'a list';
  return n.value === null ? 'nothing' : `a ${typeof n.value}`;
}

function wrongType(n: PNode, expected: string, what: string, hint?: string): ReproError {
  return new ReproError('E_CONFIG', `${what} must be ${expected}, not ${kindName(n)}`, { pos: n.pos, hint });
}

export function asMap(n: PNode, what: string): PMap {
  if (n.kind !== 'map') throw wrongType(n, 'a map', what);
  return n;
}

/** A list; a null value (`deps:` with nothing after it) counts as an empty list. */
export function asSeq(n: PNode, what: string, hint?: string): PSeq {
  if (isNull(n)) return { kind: 'seq', items: [], pos: n.pos };
  if (n.kind !== 'seq') throw wrongType(n, 'a list', what, hint);
  return n;
}

export function asString(n: PNode, what: string): PScalar & { value: string } {
  if (n.kind !== 'scalar' || typeof n.value !== 'string') throw wrongType(n, 'a string', what);
  return n as PScalar & { value: string };
}

export function asBool(n: PNode, what: string): boolean {
  if (n.kind !== 'scalar' || typeof n.value !== 'boolean') throw wrongType(n, 'true or false', what);
  return n.value;
}

export function asNumber(n: PNode, what: string): number {
  if (n.kind !== 'scalar' || typeof n.value !== 'number') throw wrongType(n, 'a number', what);
  return n.value;
}

/** Plain data (for `vars`, `foreach`, `matrix` values), without positions. */
export function toPlain(n: PNode): unknown {
  return treeToData(n);
}
