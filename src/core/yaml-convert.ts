import type * as Yaml from 'yaml';
import type { Node as YNode, Document, YAMLMap, YAMLSeq, Scalar } from 'yaml';
import { ReproError, type SourcePos } from './errors.js';
import { clip } from './text.js';
import { MAX_DEPTH, tooDeep } from './yaml-depth.js';
import type { PEntry, PNode } from './yaml-tree.js';

/** parseYamlTree: most values that aliases may copy in one document (an alias bomb stops here). */
const MAX_ALIAS_VALUES = 100_000;

/** The library's node tests and alias resolution, passed in: the library is loaded by core/yaml.ts only. */
export interface YamlGuards {
  isMap(n: unknown): n is YAMLMap;
  isSeq(n: unknown): n is YAMLSeq;
  isScalar(n: unknown): n is Scalar;
  isAlias(n: unknown): n is Yaml.Alias;
  /** Each alias of the document → the node it resolves to (undefined: no anchor before it). */
  aliasTargets(): Map<Yaml.Alias, unknown>;
}

/**
 * The library's document as a PNode tree. Aliases are expanded (positions point at the anchored
 * value), with a budget so that an alias bomb fails at once instead of multiplying; an alias that
 * names no earlier anchor is an error, not null. Duplicate keys are compared as text, the way the
 * tree stores them.
 */
export function convertDoc(
  doc: Document,
  pos: (o: number | undefined) => SourcePos,
  restore: (s: string) => string,
  lib: YamlGuards,
): PNode {
  const { isMap, isSeq, isScalar, isAlias } = lib;
  const active = new Set<unknown>(); // nodes being converted: an alias back into one is a cycle
  let targets: Map<Yaml.Alias, unknown> | undefined;
  let aliasDepth = 0; // > 0 while converting a copy made by an alias
  let outerAlias: SourcePos | undefined; // the outermost alias being expanded
  let copied = 0;
  const convert = (node: unknown, fallback: SourcePos, depth: number): PNode => {
    if (node === null || node === undefined) return { kind: 'scalar', value: null, pos: fallback };
    if (isAlias(node)) {
      const at = pos(node.range?.[0]);
      const target = (targets ??= lib.aliasTargets()).get(node);
      if (target === undefined) {
        throw new ReproError('E_YAML', `invalid YAML: unresolved alias '*${clip(node.source)}'`, {
          pos: at,
          hint: `an alias must come after its anchor: mark an earlier value with '&${clip(node.source)}'`,
        });
      }
      if (active.has(target)) throw new ReproError('E_CONFIG', `alias '*${clip(node.source)}' refers to itself`, { pos: at });
      if (aliasDepth++ === 0) outerAlias = at;
      try {
        return convert(target, at, depth);
      } finally {
        aliasDepth--;
      }
    }
    if (aliasDepth > 0 && ++copied > MAX_ALIAS_VALUES) {
      throw new ReproError('E_CONFIG', `aliases expand to more than ${MAX_ALIAS_VALUES} values`, {
        pos: outerAlias,
        hint: 'aliases that repeat other aliases multiply: write the data out, or use vars and ${...}',
      });
    }
    const start = (node as YNode).range?.[0];
    const here = start === undefined ? fallback : pos(start);
    if (depth > MAX_DEPTH) throw tooDeep(here);
    active.add(node);
    try {
      return convertNode(node, here, depth);
    } finally {
      active.delete(node);
    }
  };
  const convertNode = (node: unknown, here: SourcePos, depth: number): PNode => {
    if (isMap(node)) {
      const entries: PEntry[] = [];
      const seen = new Map<string, SourcePos>();
      for (const pair of node.items) {
        const k = pair.key as unknown;
        const keyPos = isScalar(k) ? pos(k.range?.[0]) : here;
        if (!isScalar(k) || (k.value !== null && typeof k.value === 'object')) {
          throw new ReproError('E_CONFIG', 'map keys must be plain scalars', { pos: keyPos });
        }
        const key = restore(String(k.value));
        const first = seen.get(key);
        if (first) {
          throw new ReproError('E_YAML', `invalid YAML: duplicate key '${clip(key)}' (first at line ${first.line}, col ${first.col})`, {
            pos: keyPos,
            hint: 'a key may appear once in a map; keys are compared as text, so 1 and "1" are the same key',
          });
        }
        seen.set(key, keyPos);
        entries.push({ key, keyPos, value: convert(pair.value, keyPos, depth + 1) });
      }
      return { kind: 'map', entries, pos: here };
    }
    if (isSeq(node)) return { kind: 'seq', items: node.items.map((i) => convert(i, here, depth + 1)), pos: here };
    if (isScalar(node)) {
      const v = node.value;
      if (typeof v === 'string') return { kind: 'scalar', value: restore(v), pos: here };
      if (v === null || typeof v === 'boolean') return { kind: 'scalar', value: v, pos: here };
      if (typeof v === 'number' && Number.isFinite(v)) return { kind: 'scalar', value: v, pos: here };
      throw new ReproError('E_CONFIG', `unsupported YAML value '${clip(restore(String(node.source ?? v)))}'`, {
        pos: here,
        hint:
          typeof v === 'number'
            ? `repro stores numbers as JSON, which has no infinity or NaN: write a finite number, or quote it for a string`
            : undefined,
      });
    }
    throw new ReproError('E_CONFIG', 'unsupported YAML node', { pos: here });
  };
  return convert(doc.contents, pos(0), 0);
}
