/**
 * Metrics files (JSON or YAML, already parsed) as flat maps keyed by dotted paths:
 * `{ "train": { "loss": 0.2 }, "per_class": [0.9, 0.8] }` → `train.loss`, `per_class.0`, `per_class.1`.
 * A key that itself contains a dot is not escaped; such files are rare and the result stays readable.
 */

/**
 * Numeric leaves as dotted keys; list elements are addressed by index (`a.0`). Booleans, strings,
 * null and empty containers are skipped. Non-finite numbers (YAML `.nan`, `.inf`) are kept: a
 * diverged loss is worth seeing.
 *
 * Number lists are also flattened element by element; callers showing scalar metrics usually drop
 * the keys under `sampleLists(obj)` first, since a list of 10,000 latencies is a distribution, not
 * 10,000 metrics.
 */
export function flattenMetrics(obj: unknown, prefix = ''): Record<string, number> {
  const out: Record<string, number> = {};
  walk(obj, prefix, (key, v) => {
    if (typeof v === 'number' && key !== '') out[key] = v;
  });
  return out;
}

/**
 * The values that are non-empty arrays made only of numbers (latency samples, per-step losses),
 * keyed by dotted path. Arrays holding anything else are searched inside, element by element.
 */
export function sampleLists(obj: unknown, prefix = ''): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  const visit = (v: unknown, key: string): void => {
    if (Array.isArray(v)) {
      if (v.length > 0 && v.every((x) => typeof x === 'number')) {
        if (key !== '') out[key] = [...(v as number[])];
        return;
      }
      v.forEach((x, i) => visit(x, join(key, String(i))));
    } else if (isPlainObject(v)) {
      for (const [k, x] of Object.entries(v)) visit(x, join(key, k));
    }
  };
  visit(obj, prefix);
  return out;
}

/** Calls `leaf(key, value)` for each non-container value below `v`, depth first. */
function walk(v: unknown, key: string, leaf: (key: string, v: unknown) => void): void {
  if (Array.isArray(v)) v.forEach((x, i) => walk(x, join(key, String(i)), leaf));
  else if (isPlainObject(v)) for (const [k, x] of Object.entries(v)) walk(x, join(key, k), leaf);
  else leaf(key, v);
}

export function join(prefix: string, key: string): string {
  return prefix === '' ? key : `${prefix}.${key}`;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}
