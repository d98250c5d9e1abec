import { ReproError, isReproError } from '../../core/errors.js';
import { parseYaml } from '../../core/yaml.js';
import { flattenMetrics, sampleLists, sampleSummaries } from '../../compare/index.js';

/**
 * Reading metrics and plots files for `repro diff` (text in, data out; the caller reads the file
 * from the workspace or a Git tree).
 */

export interface MetricData {
  /**
   * dotted key → number; lists made only of numbers are samples, not listed here, but their
   * summaries are (`key:p50`, `key:p95`, `key:p99`, `key:mean`, `key:max`, `key:n`). Each summary is
   * a metric of its own everywhere, so in `repro diff` each one that gets a t test joins the Holm
   * family as its own hypothesis (it has a verdict of its own); list elements never do. The reason
   * is in docs/diff.md, "The family".
   */
  scalars: Record<string, number>;
  /** dotted key → a list of numbers (latencies, per-step losses) */
  samples: Record<string, number[]>;
  /** dotted key → a leaf that is not a number (a quoted "0.93", true), as text */
  nonNumeric: Record<string, string>;
}

/**
 * A metrics file whose text cannot be read as metrics (`E_CONFIG`): `problem` says why, in words
 * that follow "metrics file 'PATH' …", so a caller that goes on without the file can say so.
 */
export class MetricsFileError extends ReproError {
  constructor(
    readonly path: string,
    readonly problem: 'is not JSON or YAML' | 'holds no mapping',
    opts: { cause?: unknown; hint: string },
  ) {
    super('E_CONFIG', `metrics file ${problem}: '${path}'`, opts);
  }
}

/** A metrics file (JSON or YAML). Text that is neither, or not a mapping, is a MetricsFileError. */
export function parseMetricData(text: string, path: string): MetricData {
  let data: unknown;
  try {
    data = parseYaml(text, path); // YAML is a superset of JSON
  } catch (e) {
    if (!isReproError(e)) throw e;
    throw new MetricsFileError(path, 'is not JSON or YAML', { cause: e, hint: 'a metrics file holds a JSON or YAML mapping of numbers' });
  }
  if (data !== null && typeof data !== 'object') {
    throw new MetricsFileError(path, 'holds no mapping', { hint: 'write {"name": number, ...}' });
  }
  const samples = sampleLists(data);
  const prefixes = Object.keys(samples).map((k) => `${k}.`);
  const scalars: Record<string, number> = {};
  for (const [k, v] of Object.entries(flattenMetrics(data))) {
    if (!prefixes.some((p) => k.startsWith(p))) scalars[k] = v;
  }
  Object.assign(scalars, sampleSummaries(samples));
  const nonNumeric: Record<string, string> = {};
  leaves(data, '', (k, v) => {
    if (typeof v === 'string' || typeof v === 'boolean') nonNumeric[k] = String(v);
  });
  return { scalars, samples, nonNumeric };
}

/**
 * A `plots:` file as numeric columns: CSV/TSV with a header row (a column counts when every
 * non-empty cell is a number), or JSON/YAML holding a list of numbers (column ''), a list of
 * records (one column per numeric field) or a mapping of number lists (dotted keys).
 */
export function parsePlotData(text: string, path: string): Record<string, number[]> {
  if (/\.(json|ya?ml)$/i.test(path)) {
    let data: unknown;
    try {
      data = parseYaml(text, path);
    } catch (e) {
      throw new ReproError('E_CONFIG', `plots file is not JSON or YAML: '${path}'`, { cause: e });
    }
    if (Array.isArray(data) && data.length > 0 && data.every((x) => typeof x === 'number')) return { '': data as number[] };
    if (Array.isArray(data) && data.every((x) => typeof x === 'object' && x !== null && !Array.isArray(x))) {
      return columns(
        Object.keys(Object.assign({}, ...(data as object[]))),
        (data as Record<string, unknown>[]).map((r) => r),
      );
    }
    return sampleLists(data);
  }
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length < 2) return {};
  const sep = lines[0]!.includes('\t') ? '\t' : ',';
  const cells = (l: string): string[] => l.split(sep).map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
  const header = cells(lines[0]!);
  const rows = lines.slice(1).map((l) => {
    const c = cells(l);
    return Object.fromEntries(header.map((h, i) => [h, c[i] ?? '']));
  });
  return columns(header, rows);
}

function columns(names: string[], rows: Record<string, unknown>[]): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const name of names) {
    const values: number[] = [];
    let numeric = true;
    for (const r of rows) {
      const v = r[name];
      if (v === '' || v === undefined || v === null) continue;
      const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
      if (Number.isNaN(n) && !(typeof v === 'string' && /^nan$/i.test(v))) {
        numeric = false;
        break;
      }
      values.push(n);
    }
    if (numeric && values.length > 0) out[name] = values;
  }
  return out;
}

function leaves(v: unknown, key: string, leaf: (key: string, v: unknown) => void): void {
  if (Array.isArray(v)) v.forEach((x, i) => leaves(x, key ? `${key}.${i}` : String(i), leaf));
  else if (v !== null && typeof v === 'object' && !(v instanceof Date)) {
    for (const [k, x] of Object.entries(v)) leaves(x, key ? `${key}.${k}` : k, leaf);
  } else if (key !== '') leaf(key, v);
}
