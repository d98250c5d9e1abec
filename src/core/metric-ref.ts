/**
 * Metric names (`path:key`) and the summaries of a sample list. A metrics file may hold number
 * lists (latencies, per-example losses); each is summarised as `key:p50`, `key:p95`, `key:p99`
 * (numpy's default percentile, linear interpolation), `key:mean`, `key:max` and `key:n`, and those
 * names are metrics like any other: `checks:`, `tolerance`, `diff`, `exp show`, `metrics show`.
 */

/** The summary suffixes, in display order. */
export const SAMPLE_SUMMARIES = ['p50', 'p95', 'p99', 'mean', 'max', 'n'] as const;

const SUFFIX = new RegExp(`:(${SAMPLE_SUMMARIES.join('|')})$`);

/**
 * `"path:key"` split at the colon before the key: the last colon, or the one before it when the
 * name ends with a summary suffix (`m.json:latency_ms:p95` → `m.json`, `latency_ms:p95`).
 * `i` is the index of that colon (-1 when there is none).
 */
export function splitMetricRef(ref: string): { path: string; key: string; i: number } {
  const m = SUFFIX.exec(ref);
  const head = m ? ref.slice(0, m.index) : ref;
  const i = head.lastIndexOf(':');
  if (i < 0) return { path: '', key: ref, i };
  return { path: ref.slice(0, i), key: ref.slice(i + 1), i };
}

/** True for `key:p95` and the like: a summary of a sample list, never a list element. */
export function isSummaryKey(key: string): boolean {
  return SUFFIX.test(key);
}
