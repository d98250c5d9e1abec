import { ReproError } from '../../core/errors.js';
import { closest } from '../../core/suggest.js';
import type { ExpRow } from '../../model/exp.js';

type Row = Omit<ExpRow, 'short_id'>;

/** Which params and metrics columns `repro exp show` shows, and the row order. */

export interface ColumnOptions {
  /** Globs over param names (`train.*`, `*lr`): only matching params are candidates. */
  params?: string[];
  /** Globs over metric names (`m.json:*`, `*acc`). */
  metrics?: string[];
  /** Drop columns whose value is the same on every shown row (default true; never with one row). */
  onlyChanged?: boolean;
}

/**
 * `*` matches any run of characters (dots and colons included), `?` one character. A glob
 * without `:` is also tried against the part of a `file:key` name after the file.
 */
export function globMatcher(globs: string[] | undefined): (name: string) => boolean {
  if (!globs || globs.length === 0) return () => true;
  const res = globs.map((g) => ({
    re: new RegExp(
      `^${g
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.')}$`,
    ),
    bare: !g.includes(':'),
  }));
  return (name) => {
    const key = name.slice(name.indexOf(':') + 1);
    return res.some(({ re, bare }) => re.test(name) || (bare && re.test(key)));
  };
}

export function chooseColumns(rows: Row[], opts: ColumnOptions): { params: string[]; metrics: string[] } {
  const onlyChanged = opts.onlyChanged !== false && rows.length > 1;
  const pick = (names: Set<string>, match: (n: string) => boolean, value: (r: Row, n: string) => string): string[] =>
    [...names]
      .filter(match)
      .filter((n) => !onlyChanged || new Set(rows.map((r) => value(r, n))).size > 1)
      .sort();
  const params = new Set(rows.flatMap((r) => Object.keys(r.params)));
  const metrics = new Set(rows.flatMap((r) => Object.keys(r.metrics)));
  return {
    params: pick(params, globMatcher(opts.params), (r, n) => (n in r.params ? JSON.stringify(r.params[n]) : '')),
    metrics: pick(metrics, globMatcher(opts.metrics), (r, n) => (r.metrics[n] ? String(r.metrics[n].mean) : '')),
  };
}

/**
 * The metric `name` names among `known`: itself, or the one `file:key` whose key is `name` (or
 * ends with `.name`). Unknown or ambiguous: `E_USAGE` with a did-you-mean.
 */
export function resolveMetricName(name: string, known: Set<string>, flag: string): string {
  if (known.has(name)) return name;
  const found = [...known].filter((k) => {
    const key = k.slice(k.indexOf(':') + 1);
    return key === name || k.endsWith(`.${name}`) || k.endsWith(`:${name}`);
  });
  if (found.length === 1) return found[0]!;
  if (found.length > 1) {
    throw new ReproError('E_USAGE', `${flag}: ambiguous metric: '${name}'`, { hint: `it matches ${found.join(', ')}; give the full name` });
  }
  const near =
    closest(name, known) ??
    closest(
      name,
      [...known].map((k) => k.slice(k.indexOf(':') + 1)),
    );
  throw new ReproError('E_USAGE', `${flag}: no shown run has the metric '${name}'`, {
    hint: near ? `did you mean '${near}'?` : known.size ? `metrics: ${[...known].sort().join(', ')}` : 'no shown run recorded a metric',
  });
}

/** Rows ordered by `metric`'s mean, highest first (lowest with `asc`); rows without it last. */
export function sortRows(rows: Row[], metric: string, asc: boolean): Row[] {
  return rows
    .map((r, i) => ({ r, i, v: r.metrics[metric]?.mean }))
    .sort((x, y) => {
      const a = x.v;
      const b = y.v;
      if (a === undefined || Number.isNaN(a)) return b === undefined || Number.isNaN(b) ? x.i - y.i : 1;
      if (b === undefined || Number.isNaN(b)) return -1;
      return (asc ? a - b : b - a) || x.i - y.i;
    })
    .map((x) => x.r);
}
