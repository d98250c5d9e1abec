import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import type { Node as YNode, Document, YAMLMap, YAMLSeq, Scalar, Pair } from 'yaml';
import { ReproError, type SourcePos } from './errors.js';
import { emitYaml } from './yaml-emit.js';
import { parseSimpleYaml } from './yaml-fast.js';

/**
 * The one importer of the `yaml` library. Parsing with positions for error messages, plain
 * parsing for data files, and deterministic serialisation (yaml-emit.ts: keys sorted, no
 * line folding, no anchors) for `repro.lock`.
 *
 * The library is loaded on first use, not at import: loading it costs ~30 ms, which a no-op
 * `repro run` whose parses are all memoised (see pipeline/memo.ts) need not pay.
 */

const requireCjs = createRequire(import.meta.url);
let lib: typeof Yaml | undefined;
function yaml(): typeof Yaml {
  return (lib ??= requireCjs('yaml') as typeof Yaml);
}

export type { YNode, Document };
export const isMap = (n: unknown): n is YAMLMap => yaml().isMap(n);
export const isSeq = (n: unknown): n is YAMLSeq => yaml().isSeq(n);
export const isScalar = (n: unknown): n is Scalar => yaml().isScalar(n);
export const isPair = (n: unknown): n is Pair => yaml().isPair(n);
const isAlias = (n: unknown): n is Yaml.Alias => yaml().isAlias(n);

export interface PositionedDoc {
  doc: Document;
  /** 1-based line/column of a character offset. */
  pos(offset: number | undefined): SourcePos;
  file: string;
}

/** Parse `text` keeping node ranges; a syntax error becomes `E_YAML` with file:line:col. */
export function parseYamlDocument(text: string, file: string): PositionedDoc {
  const lc = new (yaml().LineCounter)();
  const doc = yaml().parseDocument(text, { lineCounter: lc, keepSourceTokens: false, uniqueKeys: true, prettyErrors: false });
  const pos = (offset: number | undefined): SourcePos => {
    if (offset === undefined) return { file, line: 1, col: 1 };
    const p = lc.linePos(offset);
    return { file, line: p.line, col: p.col };
  };
  const err = doc.errors[0];
  if (err) {
    throw new ReproError('E_YAML', `invalid YAML: ${firstLine(err.message)}`, {
      pos: pos(err.pos[0]),
      hint: 'check indentation and quoting near that line',
    });
  }
  return { doc, pos, file };
}

/** Parse a YAML (or JSON) data file without positions. */
export function parseYaml(text: string, file: string): unknown {
  try {
    return yaml().parse(text, { uniqueKeys: true, prettyErrors: false });
  } catch (e) {
    const linePos = (e as { linePos?: { line: number; col: number }[] }).linePos?.[0];
    throw new ReproError('E_YAML', `invalid YAML: ${firstLine((e as Error).message)}`, {
      pos: { file, line: linePos?.line ?? 1, col: linePos?.col ?? 1 },
      cause: e,
    });
  }
}

/**
 * Serialise plain data to YAML deterministically: map keys sorted (see yaml-emit.ts),
 * no line wrapping, no aliases, strings quoted only when needed.
 */
export function stringifyYaml(value: unknown): string {
  return emitYaml(value);
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.replace(/\.$/, '');
}

/**
 * A YAML document as a small positioned tree, so callers can validate and report `file:line:col`
 * without touching the `yaml` library's node types. Aliases are resolved; map keys must be scalars
 * and are stringified. Scalars are limited to what JSON can hold.
 */
export type PNode = PMap | PSeq | PScalar;
export interface PMap {
  kind: 'map';
  entries: PEntry[];
  pos: SourcePos;
}
export interface PSeq {
  kind: 'seq';
  items: PNode[];
  pos: SourcePos;
}
export interface PScalar {
  kind: 'scalar';
  value: string | number | boolean | null;
  pos: SourcePos;
}
export interface PEntry {
  key: string;
  keyPos: SourcePos;
  value: PNode;
}

/*
 * `${...}` inside a flow collection (`outs: [models/${item.model}.bin]`, as SPEC.md writes it) is
 * invalid YAML: `{` and `}` are flow indicators. With `interpolation`, the braces of each one-line
 * `${...}` are swapped for private-use characters before parsing and swapped back in every
 * string, so such lists parse as the user means. Same-length swaps keep every offset, hence
 * every line:col, exact. Skipped when the text already contains those characters.
 */
const OPEN = '\uE000';
const CLOSE = '\uE001';

/**
 * Parse `text` into a positioned tree; null for an empty document. Errors are `E_YAML`/`E_CONFIG`.
 * `interpolation`: accept `${...}` in flow collections without quotes (see above).
 * `fast: false`: always use the library (the fast path, yaml-fast.ts, is checked against it).
 */
export function parseYamlTree(text: string, file: string, opts: { interpolation?: boolean; fast?: boolean } = {}): PNode | null {
  const protect = opts.interpolation === true && text.includes('${') && !text.includes(OPEN) && !text.includes(CLOSE);
  const source = protect ? text.replace(/\$\{([^{}\n]*)\}/g, (_m, inner: string) => '$' + OPEN + inner + CLOSE) : text;
  const restore = (s: string): string => (protect && s.includes(OPEN) ? s.replaceAll(OPEN, '{').replaceAll(CLOSE, '}') : s);
  if (opts.fast !== false) {
    const tree = parseSimpleYaml(source, file, restore); // undefined: not plain enough (yaml-fast.ts)
    if (tree !== undefined) return tree;
  }
  const { doc, pos } = parseYamlDocument(source, file);
  if (doc.contents === null || doc.contents === undefined) return null;
  const active = new Set<unknown>(); // nodes being converted: an alias back into one is a cycle
  const convert = (node: unknown, fallback: SourcePos): PNode => {
    if (node === null || node === undefined) return { kind: 'scalar', value: null, pos: fallback };
    if (isAlias(node)) {
      const target = node.resolve(doc);
      if (active.has(target)) throw new ReproError('E_CONFIG', `alias '*${node.source}' refers to itself`, { pos: fallback });
      return convert(target, pos(node.range?.[0]));
    }
    const start = (node as YNode).range?.[0];
    const here = start === undefined ? fallback : pos(start);
    active.add(node);
    try {
      return convertNode(node, here);
    } finally {
      active.delete(node);
    }
  };
  const convertNode = (node: unknown, here: SourcePos): PNode => {
    if (isMap(node)) {
      const entries: PEntry[] = [];
      for (const pair of node.items) {
        const k = pair.key as unknown;
        const keyPos = isScalar(k) ? pos(k.range?.[0]) : here;
        if (!isScalar(k) || (k.value !== null && typeof k.value === 'object')) {
          throw new ReproError('E_CONFIG', 'map keys must be plain scalars', { pos: keyPos });
        }
        entries.push({ key: restore(String(k.value)), keyPos, value: convert(pair.value, keyPos) });
      }
      return { kind: 'map', entries, pos: here };
    }
    if (isSeq(node)) return { kind: 'seq', items: node.items.map((i) => convert(i, here)), pos: here };
    if (isScalar(node)) {
      const v = node.value;
      if (typeof v === 'string') return { kind: 'scalar', value: restore(v), pos: here };
      if (v === null || typeof v === 'boolean') return { kind: 'scalar', value: v, pos: here };
      if (typeof v === 'number' && Number.isFinite(v)) return { kind: 'scalar', value: v, pos: here };
      throw new ReproError('E_CONFIG', `unsupported YAML value '${String(node.source ?? v)}'`, { pos: here });
    }
    throw new ReproError('E_CONFIG', 'unsupported YAML node', { pos: here });
  };
  return convert(doc.contents, pos(0));
}

/**
 * Set a dotted key in YAML text, keeping comments and layout elsewhere (the way `dvc exp run -S`
 * edits params.yaml). Intermediate maps are created as needed.
 */
export function setYamlKey(text: string, file: string, dottedKey: string, value: unknown): string {
  const doc = yaml().parseDocument(text);
  if (doc.errors.length) {
    throw new ReproError('E_YAML', `invalid YAML: ${firstLine(doc.errors[0]!.message)}`, { pos: { file, line: 1, col: 1 } });
  }
  if (doc.contents !== null && !yaml().isMap(doc.contents)) {
    throw new ReproError('E_CONFIG', `params file is not a mapping: '${file}'`);
  }
  const path = dottedKey.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  doc.setIn(path, value);
  return doc.toString({ lineWidth: 0 });
}

/** Parse the value side of `-S key=value` as a YAML scalar (numbers, booleans, null, strings). */
export function parseScalar(text: string): unknown {
  const doc = yaml().parseDocument(text);
  return doc.errors.length ? text : doc.toJS();
}

