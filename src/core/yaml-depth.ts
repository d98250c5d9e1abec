import { ReproError, type SourcePos } from './errors.js';

/** Guarding the YAML readers against documents nested deeper than they can take (core/yaml.ts). */

/** parseYamlTree: deepest nesting of lists and maps (the library itself overflows near 1,000). */
export const MAX_DEPTH = 500;

/** Run `fn` (a library parse or conversion); a stack overflow becomes `E_CONFIG` "nested too deeply". */
export function guardDepth<T>(text: string, file: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof RangeError) || !/call stack/i.test(e.message)) throw e;
    throw tooDeep(offsetPos(text, file, deepestPoint(text)));
  }
}

export function tooDeep(pos: SourcePos): ReproError {
  return new ReproError('E_CONFIG', 'value is nested too deeply', {
    pos,
    hint: `repro reads lists and maps nested up to ${MAX_DEPTH} levels`,
  });
}

/**
 * A position for tooDeep after the library overflowed: where flow brackets first nest past
 * MAX_DEPTH (or nest deepest), or else the most indented line. Quotes are not considered.
 */
function deepestPoint(text: string): number {
  let depth = 0;
  let max = 0;
  let at = 0;
  for (let i = 0; i < text.length && max < MAX_DEPTH; i++) {
    const c = text[i];
    if (c === '[' || c === '{') {
      if (++depth > max) [max, at] = [depth, i];
    } else if ((c === ']' || c === '}') && depth > 0) depth--;
  }
  if (max >= 50) return at;
  let indent = -1;
  for (const m of text.matchAll(/^( *)\S/gm)) {
    if (m[1]!.length > indent) [indent, at] = [m[1]!.length, m.index! + m[1]!.length];
  }
  return at;
}

function offsetPos(text: string, file: string, offset: number): SourcePos {
  const before = text.slice(0, offset);
  const nl = before.lastIndexOf('\n');
  return { file, line: before.split('\n').length, col: offset - nl };
}
