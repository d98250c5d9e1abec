import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import type { Node as YNode, Document, YAMLMap, YAMLSeq, Scalar, Pair, YAMLError } from 'yaml';
import { ReproError, type SourcePos } from './errors.js';
import { clip } from './text.js';
import { convertDoc } from './yaml-convert.js';
import { guardDepth } from './yaml-depth.js';
import { emitYaml } from './yaml-emit.js';
import { parseSimpleYaml } from './yaml-fast.js';
import { spliceYamlKey } from './yaml-set.js';
import type { PEntry, PMap, PNode, PScalar, PSeq } from './yaml-tree.js';

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

/**
 * Parse `text` keeping node ranges; a syntax error becomes `E_YAML` at its file:line:col with a
 * hint, and conflict markers an `E_CONFIG` merge-conflict error (checkMergeConflict). `uniqueKeys: false` leaves duplicate keys to the caller (parseYamlTree compares them as
 * text, so `1` and `"1"` are one key).
 */
export function parseYamlDocument(text: string, file: string, opts: { uniqueKeys?: boolean } = {}): PositionedDoc {
  checkMergeConflict(text, file);
  const lc = new (yaml().LineCounter)();
  const pos = (offset: number | undefined): SourcePos => {
    if (offset === undefined) return { file, line: 1, col: 1 };
    const p = lc.linePos(offset);
    return { file, line: p.line, col: p.col };
  };
  const doc = guardDepth(text, file, () =>
    yaml().parseDocument(text, { lineCounter: lc, keepSourceTokens: false, uniqueKeys: opts.uniqueKeys ?? true, prettyErrors: false }),
  );
  const err = doc.errors[0];
  if (err) throw syntaxError(err, doc, text, pos);
  return { doc, pos, file };
}

/**
 * Parse a YAML (or JSON) data file without positions in the result (repro.lock, metrics files).
 * Errors name file:line:col; aliases are limited as the library does by default (maxAliasCount).
 */
export function parseYaml(text: string, file: string): unknown {
  const { doc, pos } = parseYamlDocument(text, file);
  try {
    return guardDepth(text, file, () => doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }));
  } catch (e) {
    if (!(e instanceof ReferenceError)) throw e;
    // An unresolved alias, or too many (the library's limit against alias bombs): point at one.
    const aliases = [...aliasTargets(doc)];
    const unresolved = aliases.find(([, t]) => t === undefined)?.[0];
    const at = unresolved ?? aliases[0]?.[0];
    throw new ReproError(
      'E_YAML',
      unresolved
        ? `invalid YAML: unresolved alias '*${clip(unresolved.source)}'`
        : `invalid YAML: excessive alias count (aliased data repeated more than ${MAX_ALIAS_COUNT} times)`,
      {
        pos: pos(at?.range?.[0]),
        hint: unresolved
          ? `an alias must come after its anchor: mark an earlier value with '&${clip(unresolved.source)}'`
          : 'write the repeated data out instead of nesting aliases',
      },
    );
  }
}

/** The library's default: how many times aliased data may be repeated (see parseYaml). */
const MAX_ALIAS_COUNT = 100;

/** A line a merge leaves: `<<<<<<< ours`, `|||||||` (diff3 base), `=======`, `>>>>>>> theirs`. */
const CONFLICT_MARKER = /^(?:<{7}|>{7}|\|{7}|={7})(?: |\r?$)/m;

/**
 * `E_CONFIG` "unresolved merge conflict" at the first conflict marker of `text`, instead of the
 * generic syntax error the YAML parser gives for it: repro.yaml, params files, .exprc and metrics
 * files (repro.lock checks first, with its own hint: lock/index.ts). A marker is not data there:
 * it starts at column 1, where no line of a value inside a map or list can.
 */
export function checkMergeConflict(text: string, file: string): void {
  const m = CONFLICT_MARKER.exec(text);
  if (!m) return;
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < m.index; i = text.indexOf('\n', i + 1)) line++;
  throw new ReproError('E_CONFIG', `unresolved merge conflict in '${file}'`, {
    pos: { file, line, col: 1 },
    hint: `resolve it: keep the lines you want and delete the '<<<<<<<', '=======' and '>>>>>>>' lines, or take one side (git checkout --ours -- ${file}, or --theirs)`,
  });
}

/** A library syntax error as `E_YAML`, reworded where the library's words do not help. */
function syntaxError(err: YAMLError, doc: Document, text: string, pos: (o: number | undefined) => SourcePos): ReproError {
  const at = err.pos[0];
  const fail = (message: string, hint: string, offset = at) =>
    new ReproError('E_YAML', `invalid YAML: ${message}`, { pos: pos(offset), hint });
  switch (err.code) {
    case 'MULTIPLE_DOCS':
      return fail(
        `'${pos(at).file}' holds more than one YAML document`,
        "repro reads one document per file: remove the '---' line and merge or delete what follows",
      );
    case 'TAB_AS_INDENT':
      return fail('a tab is used for indentation', 'indent with spaces: YAML does not allow tabs there');
    case 'DUPLICATE_KEY': {
      const key = /^("(?:[^"\\\n]|\\.)*"|'(?:[^'\n]|'')*'|[^:#\n]*?) *:/.exec(text.slice(at))?.[1];
      return fail(
        key ? `duplicate key ${key.startsWith('"') || key.startsWith("'") ? clip(key) : `'${clip(key)}'`}` : 'duplicate key',
        'a key may appear once in a map: remove or rename one of them',
      );
    }
  }
  if (/end with an? [\]}]/.test(err.message)) {
    // An unclosed flow collection: the library reports where it gave up; point at its opening.
    let open: number | undefined;
    yaml().visit(doc, {
      Node: (_k, n) => {
        const r = (n as YNode).range;
        if (open === undefined && (isSeq(n) || isMap(n)) && n.flow && r && r[0] < at && r[1] >= at) open = r[0];
      },
    });
    if (open !== undefined) {
      const c = text[open]!;
      return fail(
        `'${c}' is not closed`,
        `close it with '${c === '[' ? ']' : '}'}'; a list or map that goes on to the next lines must be indented more than its key`,
        open,
      );
    }
  }
  return fail(clip(firstLine(err.message), 200), 'check indentation and quoting near that line');
}

/** Each alias in `doc` → the node it resolves to (undefined when its anchor is not defined before it). */
function aliasTargets(doc: Document): Map<Yaml.Alias, unknown> {
  // One pass in document order, as Alias.resolve does for each alias separately.
  const last = new Map<string, unknown>();
  const out = new Map<Yaml.Alias, unknown>();
  yaml().visit(doc, {
    Node: (_k, n) => {
      if (isAlias(n)) out.set(n, last.get(n.source));
      else if ((n as YNode).anchor) last.set((n as YNode).anchor!, n);
    },
  });
  return out;
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

export type { PEntry, PMap, PNode, PScalar, PSeq };

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
  checkMergeConflict(text, file);
  const protect = opts.interpolation === true && text.includes('${') && !text.includes(OPEN) && !text.includes(CLOSE);
  const source = protect ? text.replace(/\$\{([^{}\n]*)\}/g, (_m, inner: string) => '$' + OPEN + inner + CLOSE) : text;
  const restore = (s: string): string => (protect && s.includes(OPEN) ? s.replaceAll(OPEN, '{').replaceAll(CLOSE, '}') : s);
  if (opts.fast !== false) {
    const tree = parseSimpleYaml(source, file, restore); // undefined: not plain enough (yaml-fast.ts)
    if (tree !== undefined) return tree;
  }
  const { doc, pos } = parseYamlDocument(source, file, { uniqueKeys: false });
  if (doc.contents === null || doc.contents === undefined) return null;
  return guardDepth(source, file, () =>
    convertDoc(doc, pos, restore, { isMap, isSeq, isScalar, isAlias, aliasTargets: () => aliasTargets(doc) }),
  );
}

/**
 * Plain data (a YAML data file's content) from text, through the positioned tree: unlike
 * `parseYaml`, values JSON cannot hold (`.inf`, `.nan`), unresolved aliases and duplicate keys
 * are errors at their line:col. null for an empty document. Used for params files and `.exprc`.
 */
export function parseYamlData(text: string, file: string): unknown {
  const tree = parseYamlTree(text, file);
  return tree === null ? null : treeToData(tree);
}

/** Plain data from a tree, without positions. */
export function treeToData(n: PNode): unknown {
  switch (n.kind) {
    case 'scalar':
      return n.value;
    case 'seq':
      return n.items.map(treeToData);
    case 'map': {
      const out: Record<string, unknown> = {};
      // defineProperty: a key named __proto__ is data, not the object's prototype.
      for (const e of n.entries)
        Object.defineProperty(out, e.key, { value: treeToData(e.value), enumerable: true, writable: true, configurable: true });
      return out;
    }
  }
}

/**
 * Set a dotted key in YAML text, changing only the bytes of that value (yaml-set.ts), the way
 * `dvc exp run -S` edits params.yaml but without reformatting the rest. Intermediate maps are
 * created as needed. Shapes the splice does not cover (aliases on the path, a list index past
 * the end) are rewritten by the library, which keeps comments but may respace lines.
 */
export function setYamlKey(text: string, file: string, dottedKey: string, value: unknown): string {
  const { doc } = parseYamlDocument(text, file);
  if (doc.contents !== null && !yaml().isMap(doc.contents)) {
    throw new ReproError('E_CONFIG', `params file is not a mapping: '${file}'`);
  }
  const path = dottedKey.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  const spliced = spliceYamlKey(text, doc, path, value, { isMap, isSeq, isScalar }, file);
  if (spliced !== undefined) return spliced;
  doc.setIn(path, value);
  return doc.toString({ lineWidth: 0 });
}

/** Parse the value side of `-S key=value` as a YAML scalar (numbers, booleans, null, strings). */
export function parseScalar(text: string): unknown {
  const doc = yaml().parseDocument(text);
  return doc.errors.length ? text : doc.toJS();
}
