import { ReproError } from './errors.js';
import { emitYaml } from './yaml-emit.js';

/**
 * Set one dotted key in YAML text by splicing bytes (`-S key=value`): an existing value's own
 * bytes are replaced and nothing else changes, so aligned comments, blank lines, flow lists and
 * quoting elsewhere stay byte-identical. A new key (`+key=value`) becomes one new line (or a
 * nested block of lines) after the last entry of its parent map, at that map's indentation, or
 * `, key: value` inside a flow map. Shapes the splice does not cover (an alias on the path, a new
 * list index past the end, a complex key) are left to the caller's fallback: `undefined`.
 *
 * How to call: parse with parseYamlDocument (ranges kept), then `spliceYamlKey(text, doc, path, v)`.
 */

/** The parts of the yaml library's nodes used here (the library is imported by core/yaml.ts only). */
interface YNode {
  range?: [number, number, number] | null;
  flow?: boolean;
}
interface Pair {
  key: YNode;
  value: YNode | null;
}
interface YMap extends YNode {
  items: Pair[];
}
interface YSeq extends YNode {
  items: YNode[];
}
interface YScalar extends YNode {
  value: unknown;
  type?: string;
  /** Set when the source wrote an explicit tag (`!!str 1`). */
  tag?: string;
}

export interface SpliceLib {
  isMap(n: unknown): boolean;
  isSeq(n: unknown): boolean;
  isScalar(n: unknown): boolean;
}

export function spliceYamlKey(
  text: string,
  doc: { contents: unknown },
  path: (string | number)[],
  value: unknown,
  lib: SpliceLib,
  file: string,
): string | undefined {
  const root = doc.contents as YNode | null;
  if (root === null) return appendAt(text, text.length, 0, path.map(String), value);
  if (!lib.isMap(root)) throw new ReproError('E_CONFIG', `params file is not a mapping: '${file}'`);
  let node: YNode = root;
  for (let i = 0; i < path.length; i++) {
    const last = i === path.length - 1;
    if (lib.isMap(node)) {
      const map = node as YMap;
      const pair = map.items.find((p) => lib.isScalar(p.key) && String((p.key as YScalar).value) === String(path[i]));
      if (!pair) return insertIntoMap(text, map, path.slice(i).map(String), value);
      if (last) return replacePairValue(text, pair, value, lib);
      if (pair.value === null) return undefined;
      node = pair.value;
    } else if (lib.isSeq(node)) {
      const idx = typeof path[i] === 'number' ? (path[i] as number) : NaN;
      const seq = node as YSeq;
      const item = seq.items[idx];
      if (item === undefined) return last && idx === seq.items.length ? appendToSeq(text, seq, value) : undefined;
      if (last) return lib.isScalar(item) || isFlow(item) ? replaceNode(text, item, keepQuotes(item, value, lib), lib) : undefined;
      node = item;
    } else return undefined; // an alias or a scalar on the path (the caller's checks refuse the latter)
  }
  return undefined;
}

function isFlow(n: YNode): boolean {
  return (n as { flow?: boolean }).flow === true;
}

function splice(text: string, start: number, end: number, by: string): string {
  return text.slice(0, start) + by + text.slice(end);
}

/** End of a node's own bytes: its range without the trailing newline(s) a block node includes. */
function valueEnd(text: string, n: YNode): number {
  let end = n.range![1];
  while (end > n.range![0] && /[\s]/.test(text[end - 1]!)) end--;
  return end;
}

/** The offset just after the `:` that follows a block map key. */
function afterColon(text: string, key: YNode): number | undefined {
  const c = text.indexOf(':', key.range![1]);
  return c < 0 ? undefined : c + 1;
}

function replacePairValue(text: string, pair: Pair, value: unknown, lib: SpliceLib): string | undefined {
  const v = pair.value;
  const by = v === null ? inline(value) : keepQuotes(v, value, lib);
  const empty = v === null || (lib.isScalar(v) && v.range![0] === v.range![1]);
  if (empty || ((lib.isMap(v) || lib.isSeq(v)) && !isFlow(v!))) {
    // `key:` with nothing after it, or a block collection: the value goes right after the colon.
    const at = afterColon(text, pair.key);
    if (at === undefined) return undefined;
    return splice(text, at, empty ? at : valueEnd(text, v!), ' ' + by);
  }
  return replaceNode(text, v!, by, lib);
}

/**
 * Replace node `n`'s own bytes by `by`, and an explicit tag written before a scalar
 * (`a: !!str 1`) with them: kept, it would retype the new value (`-S a=5` reading back as the
 * string "5", `!!int abc` failing to resolve). An anchor stays: aliases elsewhere refer to it.
 */
function replaceNode(text: string, n: YNode, by: string, lib: SpliceLib): string {
  const start = n.range![0];
  const end = valueEnd(text, n);
  if (!lib.isScalar(n) || !(n as YScalar).tag) return splice(text, start, end, by);
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const m = /!\S*(\s+&\S+)?\s+$/.exec(text.slice(lineStart, start));
  if (!m) return splice(text, start, end, by);
  return splice(text, start - m[0].length, end, (m[1] ? m[1].trim() + ' ' : '') + by);
}

/** The indentation of the line holding `offset`, up to `offset`. */
function columnOf(text: string, offset: number): number {
  return offset - (text.lastIndexOf('\n', offset - 1) + 1);
}

function insertIntoMap(text: string, map: YMap, rest: string[], value: unknown): string | undefined {
  const items = map.items;
  if (isFlow(map)) {
    const close = text.lastIndexOf('}', map.range![1]);
    if (close < map.range![0]) return undefined;
    const entry = `${key(rest[0]!)}: ${inline(nest(rest.slice(1), value))}`;
    const before = text.slice(map.range![0] + 1, close).trim();
    return splice(text, close, close, before === '' ? entry : `, ${entry}`);
  }
  const first = items[0]?.key;
  if (!first) return undefined;
  const indent = columnOf(text, first.range![0]);
  const lastPair = items[items.length - 1]!;
  return appendAt(text, lineAfter(text, (lastPair.value ?? lastPair.key).range![1]), indent, rest, value);
}

/** The start of the line after the one `end` is on (a block node's range already ends there). */
function lineAfter(text: string, end: number): number {
  if (end > 0 && text[end - 1] === '\n') return end;
  const nl = text.indexOf('\n', end);
  return nl < 0 ? text.length : nl + 1;
}

/** Insert `rest: value` as block lines at `at` (a line start, or the end of the text). */
function appendAt(text: string, at: number, indent: number, rest: string[], value: unknown): string {
  const lines: string[] = [];
  rest.forEach((k, i) => {
    const pad = ' '.repeat(indent + 2 * i);
    lines.push(i === rest.length - 1 ? `${pad}${key(k)}: ${inline(value)}` : `${pad}${key(k)}:`);
  });
  const lead = at > 0 && text[at - 1] !== '\n' ? '\n' : '';
  return splice(text, at, at, lead + lines.join('\n') + '\n');
}

function appendToSeq(text: string, seq: YSeq, value: unknown): string | undefined {
  if (isFlow(seq)) {
    const close = text.lastIndexOf(']', seq.range![1]);
    if (close < seq.range![0]) return undefined;
    const before = text.slice(seq.range![0] + 1, close).trim();
    return splice(text, close, close, (before === '' ? '' : ', ') + inline(value));
  }
  const first = seq.items[0];
  if (!first) return undefined;
  const dash = text.lastIndexOf('-', first.range![0]);
  const indent = columnOf(text, dash);
  const at = lineAfter(text, seq.range![1]);
  const lead = at > 0 && text[at - 1] !== '\n' ? '\n' : '';
  return splice(text, at, at, `${lead}${' '.repeat(indent)}- ${inline(value)}\n`);
}

/** A string that replaces a quoted string keeps its quote style (JSON-quoted is YAML double-quoted). */
function keepQuotes(old: YNode, value: unknown, lib: SpliceLib): string {
  if (typeof value !== 'string' || !lib.isScalar(old)) return inline(value);
  const type = (old as YScalar).type;
  if (type === 'QUOTE_DOUBLE') return JSON.stringify(value);
  if (type === 'QUOTE_SINGLE' && !/[\n\r\t]/.test(value)) return `'${value.replace(/'/g, "''")}'`;
  return inline(value);
}

function nest(rest: string[], value: unknown): unknown {
  return rest.reduceRight<unknown>((v, k) => ({ [k]: v }), value);
}

function key(k: string): string {
  return inline(k);
}

/**
 * One value on one line: scalars as repro.lock writes them (plain when that reads back the same,
 * JSON-quoted otherwise, which is valid YAML and safe inside flow collections), lists and maps
 * in flow style.
 */
export function inline(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(inline).join(', ')}]`;
  if (v !== null && typeof v === 'object')
    return `{${Object.entries(v)
      .map(([k, x]) => `${inline(k)}: ${inline(x)}`)
      .join(', ')}}`;
  return emitYaml(v).trimEnd();
}
