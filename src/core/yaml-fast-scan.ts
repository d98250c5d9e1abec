/**
 * Token-level helpers of the YAML fast path (yaml-fast.ts): scalar resolution, quoting, flow
 * lists, map keys. Anything they do not recognise calls `bail()`, which makes the fast path
 * decline the whole document.
 */

export class NotSimple extends Error {}
export const bail = (): never => {
  throw new NotSimple();
};

/** What follows a complete value on its line: nothing, or a ` # comment`. */
export function restIsComment(rest: string): boolean {
  return rest.trim() === '' || /^ +#/.test(rest);
}

/** The text of a plain scalar: up to a ` # comment`. */
export function plainText(text: string): string {
  const c = text.indexOf(' #');
  return (c < 0 ? text : text.slice(0, c)).trimEnd();
}

const INT = /^[-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
/** Plain scalars the library might resolve to something we do not mirror: bail on them. */
const ODD = /^(?:[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|0[ox].*|[-+]?[0-9][0-9_.:eE+-]*)$/;

export function resolvePlain(s: string): string | number | boolean | null {
  if (s === '' || s === '~' || s === 'null' || s === 'Null' || s === 'NULL') return null;
  if (s === 'true' || s === 'True' || s === 'TRUE') return true;
  if (s === 'false' || s === 'False' || s === 'FALSE') return false;
  if (INT.test(s) || FLOAT.test(s)) {
    const n = Number(s);
    if (!Number.isFinite(n) || (INT.test(s) && !Number.isSafeInteger(n))) bail();
    return n;
  }
  if (ODD.test(s)) bail();
  return s;
}

/** Characters that may not start a plain scalar (or that we leave to the library). */
export const INDICATORS = '-?:,[]{}#&*!|>\'"%@`';

/** Whether a plain scalar may start here (`-x` may, `- x` and other indicators we leave). */
export function plainStart(s: string): boolean {
  const c = s[0];
  if (c === undefined) return false;
  if (c === '-') return s.length > 1 && s[1] !== ' ' && s[1] !== ',' && s[1] !== ']';
  return !INDICATORS.includes(c);
}

/**
 * The items of a one-line flow collection: `text` opens at index 0 and must close with `close`
 * and nothing after it but a comment. `item(k)` parses the item starting at `k` and returns the
 * index after it. Empty collections pass; a trailing comma is left to the library.
 */
export function flowList(text: string, close: string, item: (k: number) => number): void {
  let k = 1;
  const skip = () => {
    while (text[k] === ' ') k++;
  };
  skip();
  if (text[k] === close) {
    k++;
  } else {
    for (;;) {
      skip();
      if (text[k] === undefined) bail();
      k = item(k);
      skip();
      if (text[k] === close) {
        k++;
        break;
      }
      if (text[k] !== ',') bail();
      k++;
      skip();
      if (text[k] === close) bail();
    }
  }
  if (!restIsComment(text.slice(k))) bail();
}

/** Index of the `:` ending a block map key on this line (`key:` or `key: ...`), or -1. */
export function keyEnd(text: string): number {
  const c = text[0];
  if (c === '"' || c === "'") {
    let end: number;
    try {
      end = quoted(text, 0).end;
    } catch {
      return -1;
    }
    return text[end] === ':' && (end + 1 === text.length || text[end + 1] === ' ') ? end : -1;
  }
  if (c === '[' || c === '{') return -1;
  for (let k = 0; k < text.length; k++) {
    if (text[k] === ':' && (k + 1 === text.length || text[k + 1] === ' ')) return k;
  }
  return -1;
}

/** A one-line quoted scalar starting at `at`: its value and the index after the closing quote. */
export function quoted(text: string, at: number): { value: string; end: number } {
  const q = text[at]!;
  let out = '';
  for (let k = at + 1; k < text.length; k++) {
    const c = text[k]!;
    if (q === '"' && c === '\\') bail(); // escapes: the library's job
    if (c !== q) {
      out += c;
      continue;
    }
    if (q === "'" && text[k + 1] === "'") {
      out += "'";
      k++;
      continue;
    }
    return { value: out, end: k + 1 };
  }
  return bail();
}
