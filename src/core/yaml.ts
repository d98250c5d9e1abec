import { parse, parseDocument, stringify, isMap, isSeq, isScalar, isPair, LineCounter, type Node as YNode, type Document } from 'yaml';
import { ReproError, type SourcePos } from './errors.js';

/**
 * The one importer of the `yaml` library. Parsing with positions for error messages, plain
 * parsing for data files, and deterministic serialisation (keys sorted by the caller, no
 * line folding, no anchors) for `repro.lock`.
 */

export { isMap, isSeq, isScalar, isPair };
export type { YNode, Document };

export interface PositionedDoc {
  doc: Document;
  /** 1-based line/column of a character offset. */
  pos(offset: number | undefined): SourcePos;
  file: string;
}

/** Parse `text` keeping node ranges; a syntax error becomes `E_YAML` with file:line:col. */
export function parseYamlDocument(text: string, file: string): PositionedDoc {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, keepSourceTokens: false, uniqueKeys: true, prettyErrors: false });
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
    return parse(text, { uniqueKeys: true, prettyErrors: false });
  } catch (e) {
    const linePos = (e as { linePos?: { line: number; col: number }[] }).linePos?.[0];
    throw new ReproError('E_YAML', `invalid YAML: ${firstLine((e as Error).message)}`, {
      pos: { file, line: linePos?.line ?? 1, col: linePos?.col ?? 1 },
      cause: e,
    });
  }
}

/**
 * Serialise plain data to YAML deterministically: map keys in the order given (sort them first),
 * no line wrapping, no aliases, strings quoted only when needed.
 */
export function stringifyYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0, aliasDuplicateObjects: false, sortMapEntries: true });
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.replace(/\.$/, '');
}
