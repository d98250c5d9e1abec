/**
 * A small, fast, deterministic YAML emitter for plain data (maps, lists, strings, finite numbers,
 * booleans, null): block style, map keys sorted, two-space indent, strings plain when that reads
 * back as the same string and JSON-quoted otherwise (JSON strings are valid YAML double-quoted
 * scalars). Used for repro.lock, where the yaml library's stringify costs ~100 ms on a 200-stage
 * lock. test/core/yaml-emit.test.ts checks that the yaml library parses every output back to the
 * input.
 */
export function emitYaml(value: unknown): string {
  if (isScalar(value) || isEmpty(value)) return scalar(value) + '\n';
  const out: string[] = [];
  block(value, 0, out);
  return out.join('\n') + '\n';
}

function block(v: unknown, indent: number, out: string[]): void {
  const pad = ' '.repeat(indent);
  if (Array.isArray(v)) {
    for (const item of v) {
      if (isScalar(item) || isEmpty(item)) out.push(`${pad}- ${scalar(item)}`);
      else if (Array.isArray(item)) {
        out.push(`${pad}-`);
        block(item, indent + 2, out);
      } else {
        // `- key: value` with the rest of the map aligned under the first key.
        const start = out.length;
        block(item, indent + 2, out);
        out[start] = `${pad}- ${out[start]!.slice(indent + 2)}`;
      }
    }
    return;
  }
  const obj = v as Record<string, unknown>;
  for (const k of Object.keys(obj).sort()) {
    const x = obj[k];
    if (x === undefined) continue;
    if (isScalar(x) || isEmpty(x)) out.push(`${pad}${str(k)}: ${scalar(x)}`);
    else {
      out.push(`${pad}${str(k)}:`);
      block(x, indent + 2, out);
    }
  }
}

function isScalar(v: unknown): boolean {
  return v === null || typeof v !== 'object';
}

function isEmpty(v: unknown): boolean {
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === 'object' && v !== null && Object.values(v).every((x) => x === undefined);
}

function scalar(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return '[]';
  if (typeof v === 'object') return '{}';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new TypeError(`cannot write a non-finite number to YAML: ${v}`);
    return Object.is(v, -0) ? '0' : String(v);
  }
  if (typeof v === 'string') return str(v);
  throw new TypeError(`cannot write ${typeof v} to YAML`);
}

/** Plain when unambiguous: safe characters, not a YAML 1.1/1.2 keyword or number. */
const PLAIN = /^[A-Za-z_/][A-Za-z0-9_./@+-]*$/;
const KEYWORD = /^(true|false|yes|no|on|off|y|n|null|nan|inf)$/i;
const HASH = /^[0-9a-f]{64}(\.dir)?$/;

function str(s: string): string {
  if (HASH.test(s)) return /^[0-9]+(e[0-9]+)?(\.dir)?$/.test(s) ? JSON.stringify(s) : s;
  if (PLAIN.test(s) && !KEYWORD.test(s)) return s;
  return JSON.stringify(s);
}
