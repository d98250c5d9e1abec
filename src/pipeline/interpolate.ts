import { ReproError, type SourcePos } from '../core/errors.js';
import { clip } from '../core/text.js';
import { getParam } from './params.js';
import { closest } from '../core/suggest.js';

/**
 * `${...}` interpolation. An expression is a name with dotted or indexed access:
 * `${data_dir}`, `${train.lr}`, `${item.model}`, `${layers[0]}` (= `${layers.0}`). `\${` is a
 * literal `${`. A string that is exactly one `${x}` yields x's value with its type (so
 * `foreach: ${models}` gets a list); inside a longer string values are stringified: strings,
 * numbers and booleans as written, and (only where `lists` is allowed, i.e. in `cmd`) a list of
 * those joined by spaces. Anything else is `E_INTERPOLATION` at the node's position.
 */

export interface Scope {
  /** Names bound by the stage (`item`, `key`, `seed`); they shadow vars and params. */
  locals: Record<string, unknown>;
  /** `vars:` merged in declaration order. */
  vars: Record<string, unknown>;
  /** Top-level keys of the default params file, read on first use (parsing it is I/O). */
  params: () => Record<string, unknown>;
}

const EXPR = /^[A-Za-z_][\w-]*(?:\.[\w-]+|\[\d+\])*$/;

type Part = string | { expr: string; raw: string };

/** True when `text` contains something to interpolate or unescape. */
function hasInterpolation(text: string): boolean {
  return text.includes('${');
}

function split(text: string, pos: SourcePos): Part[] {
  const parts: Part[] = [];
  let lit = '';
  let i = 0;
  for (;;) {
    const j = text.indexOf('${', i);
    if (j < 0) break;
    if (j > 0 && text[j - 1] === '\\') {
      lit += text.slice(i, j - 1) + '${';
      i = j + 2;
      continue;
    }
    lit += text.slice(i, j);
    const k = text.indexOf('}', j + 2);
    if (k < 0) {
      throw new ReproError('E_INTERPOLATION', `unclosed '\${' in '${clip(text)}'`, {
        pos,
        hint: "close it with '}', or write '\\${' for a literal '${'",
      });
    }
    const expr = text.slice(j + 2, k).trim();
    if (!EXPR.test(expr)) {
      throw new ReproError('E_INTERPOLATION', `invalid expression '${clip(text.slice(j, k + 1))}'`, {
        pos,
        hint: 'write a variable name with dotted access, like ${train.lr} or ${item.model}',
      });
    }
    if (lit) parts.push(lit);
    lit = '';
    parts.push({ expr: expr.replace(/\[(\d+)\]/g, '.$1'), raw: text.slice(j, k + 1) });
    i = k + 1;
  }
  lit += text.slice(i);
  if (lit) parts.push(lit);
  return parts;
}

function lookup(expr: string, raw: string, scope: Scope, pos: SourcePos): unknown {
  const dot = expr.indexOf('.');
  const name = dot < 0 ? expr : expr.slice(0, dot);
  let base: { found: boolean; value?: unknown } = { found: false };
  for (const layer of [scope.locals, scope.vars]) {
    if (Object.prototype.hasOwnProperty.call(layer, name)) {
      base = { found: true, value: layer[name] };
      break;
    }
  }
  if (!base.found) {
    const params = scope.params();
    if (Object.prototype.hasOwnProperty.call(params, name)) base = { found: true, value: params[name] };
  }
  if (!base.found) {
    const names = [...Object.keys(scope.locals), ...Object.keys(scope.vars), ...Object.keys(scope.params())];
    const near = closest(name, names);
    throw new ReproError('E_INTERPOLATION', `unknown variable '${clip(name)}' in '${clip(raw)}'`, {
      pos,
      hint: near
        ? `did you mean '${clip(near)}'?`
        : `define '${clip(name)}' under vars: or in params.yaml${
            names.length
              ? ` (known: ${names
                  .slice(0, 10)
                  .map((n) => clip(n, 40))
                  .join(', ')})`
              : ''
          }`,
    });
  }
  if (dot < 0) return base.value;
  const got = getParam(base.value, expr.slice(dot + 1));
  if (!got.found) {
    const keys = base.value && typeof base.value === 'object' ? Object.keys(base.value) : [];
    const near = closest(expr.slice(dot + 1), keys);
    throw new ReproError('E_INTERPOLATION', `'${clip(expr)}' not found in '${clip(raw)}'`, {
      pos,
      hint: near
        ? `did you mean '${clip(`${name}.${near}`)}'?`
        : keys.length
          ? `'${clip(name)}' has: ${keys
              .slice(0, 10)
              .map((k) => clip(k, 40))
              .join(', ')}`
          : `'${clip(name)}' has no keys`,
    });
  }
  return got.value;
}

function stringify(v: unknown, raw: string, pos: SourcePos, lists: boolean): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (lists && Array.isArray(v) && v.every((x) => ['string', 'number', 'boolean'].includes(typeof x))) return v.join(' ');
  const what = v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'a map' : typeof v;
  throw new ReproError('E_INTERPOLATION', `'${clip(raw)}' is ${what} and cannot be put into a string`, {
    pos,
    hint: v === null ? 'give it a value (a stage with seed: false has no ${seed})' : 'refer to a single value inside it, like ${name.key}',
  });
}

/** The names `text` refers to (`data` for `${data.dir}`), in order; `\${` escapes are skipped. */
export function referencedNames(text: string, pos: SourcePos): string[] {
  if (!hasInterpolation(text)) return [];
  return split(text, pos).flatMap((p) => (typeof p === 'string' ? [] : [p.expr.split('.')[0]!]));
}

/** Interpolate `text`; a lone `${x}` keeps x's type. */
export function interpolate(text: string, scope: Scope, pos: SourcePos): unknown {
  if (!hasInterpolation(text)) return text;
  const parts = split(text, pos);
  if (parts.length === 1 && typeof parts[0] !== 'string') return lookup(parts[0]!.expr, parts[0]!.raw, scope, pos);
  return joinParts(parts, scope, pos, false);
}

/** Interpolate `text` to a string (`lists`: a list of scalars becomes space-separated words). */
export function interpolateString(text: string, scope: Scope, pos: SourcePos, opts: { lists?: boolean } = {}): string {
  if (!hasInterpolation(text)) return text;
  return joinParts(split(text, pos), scope, pos, opts.lists ?? false);
}

function joinParts(parts: Part[], scope: Scope, pos: SourcePos, lists: boolean): string {
  let out = '';
  for (const p of parts) out += typeof p === 'string' ? p : stringify(lookup(p.expr, p.raw, scope, pos), p.raw, pos, lists);
  return out;
}
