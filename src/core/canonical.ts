import { createHash } from 'node:crypto';

/**
 * The one canonical encoding for everything hashed: JSON with object keys sorted (by UTF-16 code
 * unit, as `Array.prototype.sort` does), no whitespace, `undefined` members dropped. Arrays keep
 * their order. Numbers use JSON's shortest round-trip form. Changing this changes every stage key:
 * the pinned digests in test/core/canonical.test.ts make that a visible, deliberate change.
 */
export function canonicalJson(value: unknown): string {
  return encode(value);
}

function encode(v: unknown): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      if (!Number.isFinite(v)) throw new TypeError(`cannot encode non-finite number ${v}`);
      return JSON.stringify(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return v.toString();
    case 'object': {
      if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : encode(x))).join(',')}]`;
      const obj = v as Record<string, unknown>;
      const keys = Object.keys(obj)
        .filter((k) => obj[k] !== undefined)
        .sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${encode(obj[k])}`).join(',')}}`;
    }
    default:
      throw new TypeError(`cannot encode ${typeof v}`);
  }
}

/** sha256 hex of a string or bytes. */
export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** sha256 hex of the canonical encoding of `value`. */
export function hashData(value: unknown): string {
  return sha256(canonicalJson(value));
}
