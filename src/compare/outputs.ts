/**
 * What differs between an expected output and a re-produced one, for `repro replay` and
 * `repro verify --rerun`. Pure: callers read the bytes and manifests, this decides and describes.
 *
 *   diffContent(expected, actual, { path })      → a text diff (first hunks) or a byte offset
 *   compareManifests(expectedEntries, actual)    → files added, removed, changed in a directory
 *   compareMetricValues(expected, actual, tol)   → metric values side by side, each judged
 *   volatileTokens(line)                         → dates, times, versions, hosts, paths in a line
 */
import type {
  BinaryDetail,
  DirDetail,
  HashDetail,
  MetricsDetail,
  MetricToleranceRow,
  OutputDetail,
  TextDetail,
  VolatileKind,
} from '../model/isolated.js';
import { unifiedDiff } from './linediff.js';
import { valuesWithinTolerance } from './tolerance.js';

export type { BinaryDetail, DirDetail, HashDetail, MetricsDetail, MetricToleranceRow, OutputDetail, TextDetail, VolatileKind };

export interface ContentOptions {
  path?: string;
  /** Names that count as this machine's host names (os.hostname() and its first label). */
  hostnames?: string[];
  /** Directories whose appearance in a line is flagged (the replay dir, the workspace). */
  paths?: string[];
  maxLines?: number;
}

/** Above this size either side is compared as bytes, not lines. */
const TEXT_LIMIT = 4 * 1024 * 1024;

/** No NUL in the first 8 KiB and valid UTF-8 throughout. */
export function isText(buf: Uint8Array): boolean {
  if (buf.subarray(0, 8192).includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(buf);
    return true;
  } catch (e) {
    if (e instanceof TypeError) return false;
    throw e;
  }
}

/** Index of the first differing byte, or -1 when equal. */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

export function diffContent(expected: Uint8Array, actual: Uint8Array, opts: ContentOptions = {}): TextDetail | BinaryDetail {
  if (expected.length <= TEXT_LIMIT && actual.length <= TEXT_LIMIT && isText(expected) && isText(actual)) {
    const dec = new TextDecoder();
    const path = opts.path ?? 'output';
    const d = unifiedDiff(dec.decode(expected), dec.decode(actual), {
      labels: [`expected/${path}`, `actual/${path}`],
      maxLines: opts.maxLines ?? 40,
    });
    const volatile: TextDetail['volatile'] = [];
    d.lines.forEach((l, i) => {
      if (i < 2 || !(l.startsWith('-') || l.startsWith('+'))) return;
      const found = volatileTokens(l.slice(1), opts);
      if (found.length) volatile.push({ line: i, kinds: [...new Set(found.map((f) => f.kind))], tokens: found.map((f) => f.token) });
    });
    return { kind: 'text', diff: d.lines, first_line: d.first_line, removed: d.removed, added: d.added, truncated: d.truncated, volatile };
  }
  return { kind: 'binary', offset: firstDifference(expected, actual), expected_size: expected.length, actual_size: actual.length };
}

const PATTERNS: [VolatileKind, RegExp][] = [
  ['timestamp', /\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?/g],
  [
    'date',
    /\b\d{4}[-/]\d{2}[-/]\d{2}\b|\b\d{1,2}\/\d{1,2}\/\d{2,4}\b|\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),? (?:\d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) {1,2}\d{1,2})\b|\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* \d{1,2},? \d{4}\b/g,
  ],
  ['time', /\b\d{1,2}:\d{2}:\d{2}(?:\.\d+)?\b/g],
  ['timestamp', /\b1[4-9]\d{8}(?:\d{3})?(?:\.\d+)?\b/g],
  ['uuid', /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi],
  ['version', /\bv?\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?\b|\b(?:version|Python|node|v)[ /]?\d+\.\d+\b/gi],
];

/**
 * Tokens in `line` that typically change from run to run without the computation changing:
 * dates and times, epoch timestamps, UUIDs, version strings, this machine's host name, and the
 * directories in `opts.paths` (a replay runs elsewhere than the original).
 */
export function volatileTokens(
  line: string,
  opts: { hostnames?: string[]; paths?: string[] } = {},
): { kind: VolatileKind; token: string }[] {
  const out: { kind: VolatileKind; token: string }[] = [];
  const taken: [number, number][] = [];
  const add = (kind: VolatileKind, token: string, at: number): void => {
    if (taken.some(([s, e]) => at < e && at + token.length > s)) return;
    taken.push([at, at + token.length]);
    out.push({ kind, token });
  };
  for (const p of opts.paths ?? []) {
    for (let at = p ? line.indexOf(p) : -1; at >= 0; at = line.indexOf(p, at + p.length)) add('path', p, at);
  }
  for (const [kind, re] of PATTERNS) {
    re.lastIndex = 0;
    for (const m of line.matchAll(re)) add(kind, m[0], m.index ?? 0);
  }
  for (const h of opts.hostnames ?? []) {
    if (h.length < 3) continue;
    const re = new RegExp(`(?<![\\w.-])${h.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w-])`, 'gi');
    for (const m of line.matchAll(re)) add('hostname', m[0], m.index ?? 0);
  }
  return out;
}

export interface ManifestLike {
  path: string;
  hash: string;
}

/** Files of a directory output added, removed and changed; each list sorted and capped. */
export function compareManifests(expected: readonly ManifestLike[], actual: readonly ManifestLike[], cap = 20): Omit<DirDetail, 'first'> {
  const exp = new Map(expected.map((e) => [e.path, e.hash]));
  const act = new Map(actual.map((e) => [e.path, e.hash]));
  const added = [...act.keys()].filter((p) => !exp.has(p)).sort();
  const removed = [...exp.keys()].filter((p) => !act.has(p)).sort();
  const changed = [...exp.keys()].filter((p) => act.has(p) && act.get(p) !== exp.get(p)).sort();
  const more = (l: string[]): number => Math.max(0, l.length - cap);
  return {
    kind: 'dir',
    added: added.slice(0, cap),
    removed: removed.slice(0, cap),
    changed: changed.slice(0, cap),
    more: { added: more(added), removed: more(removed), changed: more(changed) },
  };
}

/**
 * Metric values side by side. A key is within when both sides have it and they differ by at
 * most its tolerance (`tolerance(key)`, 0 when none is declared: equal values only).
 */
export function compareMetricValues(
  expected: Record<string, number>,
  actual: Record<string, number>,
  tolerance: (key: string) => number = () => 0,
): MetricsDetail {
  const keys = [...Object.keys(expected), ...Object.keys(actual).filter((k) => !(k in expected))];
  const rows = keys.map((key) => {
    const e = key in expected ? expected[key]! : null;
    const a = key in actual ? actual[key]! : null;
    const tol = tolerance(key);
    return { key, expected: e, actual: a, tolerance: tol, within: e !== null && a !== null && valuesWithinTolerance(e, a, tol) };
  });
  return { kind: 'metrics', rows, all_within: rows.every((r) => r.within) };
}
