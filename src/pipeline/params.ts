import { ReproError } from '../core/errors.js';
import type { Stage } from './types.js';
import { closest } from '../core/suggest.js';

/**
 * Param values: dotted-key access into parsed params files, and the values a stage declares.
 * Pure: the caller supplies `read(file)` (parsed content, or undefined when the file is missing);
 * see load.ts for the disk side.
 */

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function child(obj: unknown, seg: string): { found: boolean; value?: unknown } {
  if (Array.isArray(obj)) {
    if (!/^(0|[1-9]\d*)$/.test(seg)) return { found: false };
    const i = Number(seg);
    return i < obj.length ? { found: true, value: obj[i] } : { found: false };
  }
  if (isRecord(obj) && Object.prototype.hasOwnProperty.call(obj, seg)) return { found: true, value: obj[seg] };
  return { found: false };
}

/**
 * The value at `dottedKey` in `obj`: `train.lr`, list indices as segments (`layers.0.size`),
 * '' for `obj` itself. A key that itself contains dots (`{"a.b": 1}`) is found too: at each level
 * the longest literal key wins over splitting.
 */
export function getParam(obj: unknown, dottedKey: string): { found: boolean; value?: unknown } {
  if (dottedKey === '') return obj === undefined ? { found: false } : { found: true, value: obj };
  const whole = child(obj, dottedKey);
  if (whole.found) return whole;
  for (let i = dottedKey.lastIndexOf('.'); i > 0; i = dottedKey.lastIndexOf('.', i - 1)) {
    const head = child(obj, dottedKey.slice(0, i));
    if (!head.found) continue;
    const rest = getParam(head.value, dottedKey.slice(i + 1));
    if (rest.found) return rest;
  }
  return { found: false };
}

/**
 * Set `dottedKey` in `obj` (a plain object), creating maps along the way; returns a copy, leaving
 * `obj` untouched. Used for `-S key=value` overrides of params read for interpolation.
 */
export function setParam(obj: unknown, dottedKey: string, value: unknown): unknown {
  if (dottedKey === '') return value;
  const dot = dottedKey.indexOf('.');
  const head = dot < 0 ? dottedKey : dottedKey.slice(0, dot);
  const rest = dot < 0 ? '' : dottedKey.slice(dot + 1);
  if (Array.isArray(obj) && /^(0|[1-9]\d*)$/.test(head)) {
    const copy = obj.slice();
    copy[Number(head)] = setParam(obj[Number(head)], rest, value);
    return copy;
  }
  const base = isRecord(obj) ? obj : {};
  return { ...base, [head]: setParam(base[head], rest, value) };
}

/** Every dotted key of nested maps in `obj` (for "did you mean" hints), capped to keep it cheap. */
function dottedKeys(obj: unknown, prefix = '', out: string[] = []): string[] {
  if (!isRecord(obj) || out.length > 1000) return out;
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    out.push(key);
    dottedKeys(v, key, out);
  }
  return out;
}

/**
 * The param values `stage` declares: params file → dotted key ('' for the whole file) → value,
 * the shape `KeyComponents.params` records. A missing file is `E_NOT_FOUND`, a missing key
 * `E_CONFIG`, both at the declaring node.
 */
export function resolveParamValues(stage: Stage, read: (file: string) => unknown): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const ref of stage.params) {
    const content = read(ref.file);
    if (content === undefined) {
      throw new ReproError('E_NOT_FOUND', `params file '${ref.file}' of stage '${stage.name}' does not exist`, {
        pos: ref.pos,
        hint: `create '${ref.file}' or remove it from the stage's params`,
      });
    }
    const values = (out[ref.file] ??= {});
    if (ref.key === null) {
      values[''] = content;
      continue;
    }
    const got = getParam(content, ref.key);
    if (!got.found) {
      const near = closest(ref.key, dottedKeys(content));
      throw new ReproError('E_CONFIG', `param '${ref.key}' of stage '${stage.name}' is not in '${ref.file}'`, {
        pos: ref.pos,
        hint: near ? `did you mean '${near}'?` : `add '${ref.key}' to '${ref.file}'`,
      });
    }
    values[ref.key] = got.value;
  }
  return out;
}
