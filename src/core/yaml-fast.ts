import type { SourcePos } from './errors.js';
import type { PEntry, PNode } from './yaml-tree.js';
import {
  INDICATORS,
  NotSimple,
  bail,
  flowList,
  keyEnd,
  plainStart,
  plainText,
  quoted,
  resolvePlain,
  restIsComment,
} from './yaml-fast-scan.js';

/**
 * A fast path for the plain block YAML that repro.yaml and params files almost always are:
 * block maps and sequences, one-line scalars (plain, 'single' or "double" quoted without
 * escapes), one-line flow sequences and maps of scalars, comments. It builds the positioned tree
 * (`PNode`) directly, in ~2 ms for a 200-stage file where the `yaml` library needs ~90 ms
 * (30 of them loading it), and that parse was on the critical path of every first `repro run`.
 *
 * It never decides anything the library would decide differently: whatever is outside the
 * subset (anchors, tags, block scalars, flow maps, multi-line scalars, escapes, duplicate keys,
 * tabs, CRLF, odd numbers, indentation past 200 columns, any syntax error) returns `undefined`,
 * and the caller parses with the library, which also produces the error messages. test/core/yaml-fast.test.ts checks it against
 * the library on every YAML file in the repository's tests and templates and on generated ones.
 *
 * Scalars resolve as the library's YAML 1.2 core schema does: null (`~`, `null`, empty), bool
 * (`true`/`false` in three casings), decimal int and float; everything else is a string.
 */

interface Line {
  /** 0-based line number. */
  line: number;
  /** Column (0-based) where `text` starts. */
  col: number;
  /** The content from `col`, trailing blanks removed; never empty, never a whole-line comment. */
  text: string;
  /** The content from `col` as written (an empty value's position counts trailing blanks). */
  raw: string;
}

export function parseSimpleYaml(src: string, file: string, restore: (s: string) => string): PNode | null | undefined {
  if (src.includes('\r') || src.includes('\t') || src.charCodeAt(0) === 0xfeff) return undefined;
  try {
    const lines = splitLines(src);
    if (lines.length === 0) return null;
    const p = new Parser(lines, file, restore);
    const first = lines[0]!;
    if (first.col !== 0) return undefined;
    const node = p.node(0, 0);
    if (p.i !== lines.length) return undefined;
    if (node.kind === 'scalar') return undefined; // a bare scalar document: leave it to the library
    return node;
  } catch (e) {
    if (e instanceof NotSimple) return undefined;
    throw e;
  }
}

function splitLines(src: string): Line[] {
  const out: Line[] = [];
  const raw = src.split('\n');
  for (let n = 0; n < raw.length; n++) {
    const s = raw[n]!;
    let col = 0;
    while (s.charCodeAt(col) === 32) col++;
    if (col === s.length || s[col] === '#') continue;
    if (s.startsWith('---', 0) || s.startsWith('...', 0) || s[0] === '%') bail();
    out.push({ line: n, col, text: s.slice(col).trimEnd(), raw: s.slice(col) });
  }
  return out;
}

/** Deeper indentation is left to the library (and its depth checks): it bounds our recursion. */
const MAX_INDENT = 200;

class Parser {
  i = 0;
  constructor(
    private readonly lines: Line[],
    private readonly file: string,
    private readonly restore: (s: string) => string,
  ) {}

  private pos(line: number, col: number): SourcePos {
    return { file: this.file, line: line + 1, col: col + 1 };
  }

  /** An empty value after the indicator at l.text[k]: the library places it past the blanks. */
  private empty(l: Line, k: number): PNode {
    let e = k + 1;
    while (l.raw[e] === ' ') e++;
    return { kind: 'scalar', value: null, pos: this.pos(l.line, l.col + e) };
  }

  /** The node whose first line is lines[i], at indentation `indent` (its first line's col). */
  node(i: number, indent: number): PNode {
    const l = this.lines[i]!;
    if (l.col !== indent || indent > MAX_INDENT) bail();
    if (l.text === '-' || l.text.startsWith('- ')) return this.seq(indent);
    if (keyEnd(l.text) >= 0) return this.map(indent);
    // A scalar on its own line (a sequence item's value): nothing may continue it.
    this.i = i + 1;
    return this.inline(l.text, l.line, l.col);
  }

  private seq(indent: number): PNode {
    const first = this.lines[this.i]!;
    const items: PNode[] = [];
    while (this.i < this.lines.length) {
      const l = this.lines[this.i]!;
      if (l.col < indent) break;
      if (l.col > indent || !(l.text === '-' || l.text.startsWith('- '))) bail();
      if (l.text === '-') {
        this.i++;
        items.push(this.nested(indent, false) ?? this.empty(l, 0));
        continue;
      }
      let k = 1;
      while (l.text[k] === ' ') k++;
      if (l.text[k] === '#') {
        this.i++;
        items.push(this.nested(indent, false) ?? this.empty(l, 0));
        continue;
      }
      // The rest of the line is a node of its own at column col+k (`- key: v` opens a map there).
      this.lines[this.i] = { line: l.line, col: l.col + k, text: l.text.slice(k), raw: l.raw.slice(k) };
      items.push(this.node(this.i, l.col + k));
      this.after(indent);
    }
    return { kind: 'seq', items, pos: this.pos(first.line, first.col) };
  }

  private map(indent: number): PNode {
    const first = this.lines[this.i]!;
    const entries: PEntry[] = [];
    const seen = new Set<string>();
    while (this.i < this.lines.length) {
      const l = this.lines[this.i]!;
      if (l.col < indent) break;
      if (l.col > indent) bail();
      const end = keyEnd(l.text);
      if (end < 0) bail();
      const keyText = l.text.slice(0, end).trimEnd();
      const key = this.keyString(keyText);
      if (seen.has(key)) bail(); // the library reports duplicate keys
      seen.add(key);
      const keyPos = this.pos(l.line, l.col);
      let v = end + 1;
      while (l.text[v] === ' ') v++;
      this.i++;
      let value: PNode;
      if (v >= l.text.length || l.text[v] === '#') {
        // `key:` then a nested block, a sequence at the same indentation, or nothing (null).
        value = this.nested(indent, true) ?? this.empty(l, end);
      } else {
        value = this.inline(l.text.slice(v), l.line, l.col + v);
        this.after(indent);
      }
      entries.push({ key, keyPos, value });
    }
    return { kind: 'map', entries, pos: this.pos(first.line, first.col) };
  }

  /** The block nested under a `key:` or `-` line at `indent`, or undefined when there is none. */
  private nested(indent: number, sameIndentSeq: boolean): PNode | undefined {
    const next = this.lines[this.i];
    if (!next) return undefined;
    if (next.col > indent) return this.node(this.i, next.col);
    if (sameIndentSeq && next.col === indent && (next.text === '-' || next.text.startsWith('- '))) return this.seq(indent);
    return undefined;
  }

  /** After a one-line value: a deeper line would continue it (a multi-line scalar): not ours. */
  private after(indent: number): void {
    const next = this.lines[this.i];
    if (next && next.col > indent) bail();
  }

  private keyString(text: string): string {
    if (text === '') bail();
    const c = text[0]!;
    if (c === '"' || c === "'") {
      const q = quoted(text, 0);
      if (q.end !== text.length) bail();
      return this.restore(q.value);
    }
    if (INDICATORS.includes(c) || text.includes(' #')) bail();
    const v = resolvePlain(text);
    if (v === null || typeof v !== 'string') bail(); // null and number keys: leave them to the library
    return this.restore(String(v));
  }

  /** A value written on one line: a scalar or a flow sequence of scalars. */
  private inline(text: string, line: number, col: number): PNode {
    const here = this.pos(line, col);
    const c = text[0]!;
    if (c === '[') return this.flowSeq(text, line, col);
    if (c === '{') return this.flowMap(text, line, col);
    if (c === '"' || c === "'") {
      const q = quoted(text, 0);
      if (!restIsComment(text.slice(q.end))) bail();
      return { kind: 'scalar', value: this.restore(q.value), pos: here };
    }
    const plain = plainText(text);
    if (!plainStart(plain) || plain.includes(': ') || plain.endsWith(':')) bail();
    const v = resolvePlain(plain);
    return { kind: 'scalar', value: typeof v === 'string' ? this.restore(v) : v, pos: here };
  }

  /** One flow scalar at text[k] (plain up to `,` `]` `}`, or quoted): its node and where it ends. */
  private flowScalar(text: string, k: number, line: number, col: number): { node: PNode; end: number } {
    const c = text[k];
    if (c === '"' || c === "'") {
      const q = quoted(text, k);
      return { node: { kind: 'scalar', value: this.restore(q.value), pos: this.pos(line, col + k) }, end: q.end };
    }
    if (!plainStart(text.slice(k))) bail();
    let e = k;
    while (e < text.length && text[e] !== ',' && text[e] !== ']' && text[e] !== '}') e++;
    const raw = text.slice(k, e).trimEnd();
    if (/[[\]{}#]|: |:$/.test(raw)) bail();
    const v = resolvePlain(raw);
    return { node: { kind: 'scalar', value: typeof v === 'string' ? this.restore(v) : v, pos: this.pos(line, col + k) }, end: e };
  }

  /** `{ key: scalar, ... }` on one line. */
  private flowMap(text: string, line: number, col: number): PNode {
    const entries: PEntry[] = [];
    const seen = new Set<string>();
    flowList(text, '}', (k) => {
      const keyStart = k;
      let key: string;
      const c = text[k];
      if (c === '"' || c === "'") {
        const q = quoted(text, k);
        key = this.restore(q.value);
        k = q.end;
      } else {
        if (c === undefined || INDICATORS.includes(c)) bail();
        while (k < text.length && text[k] !== ':' && text[k] !== ',' && text[k] !== '}') k++;
        const raw = text.slice(keyStart, k).trimEnd();
        const v = resolvePlain(raw);
        if (typeof v !== 'string' || /[[\]{}#]/.test(raw)) bail();
        key = this.restore(v as string);
      }
      if (text[k] !== ':' || text[k + 1] !== ' ' || seen.has(key)) bail();
      seen.add(key);
      k += 2;
      while (text[k] === ' ') k++;
      const { node, end } = this.flowScalar(text, k, line, col);
      entries.push({ key, keyPos: this.pos(line, col + keyStart), value: node });
      return end;
    });
    return { kind: 'map', entries, pos: this.pos(line, col) };
  }

  /** `[scalar, ...]` on one line. */
  private flowSeq(text: string, line: number, col: number): PNode {
    const items: PNode[] = [];
    flowList(text, ']', (k) => {
      const { node, end } = this.flowScalar(text, k, line, col);
      items.push(node);
      return end;
    });
    return { kind: 'seq', items, pos: this.pos(line, col) };
  }
}
