import { ReproError } from '../../core/errors.js';
import { splitMetricRef } from '../../core/metric-ref.js';
import { toRepoPath } from '../../core/paths.js';
import { closest } from '../../core/suggest.js';

/**
 * `repro diff --targets T...`: each T is a path (a file or directory: params files, metrics files,
 * plots, outputs, lock files; a stage name also selects its stage key) or a metric name, as
 * everywhere a metric is named (a name with a colon): `metrics.json:acc`, a section of nested keys `metrics.json:train`,
 * a sample list `metrics.json:latency_ms` (all its summaries) or one summary of it
 * `metrics.json:latency_ms:p95`. A metric name selects its metric rows and the distribution of
 * its sample list, nothing else. A name whose file part is a metrics file but which names no
 * metric of either side is `E_USAGE` with a did-you-mean.
 */
export interface Targets {
  /** true without targets: every row */
  all: boolean;
  /** the names as given (paths normalised), stage names included */
  names: string[];
  /** a file path selected by a path target */
  path(path: string): boolean;
  /** a metric or distribution row `key` of the metrics or plots file `path` */
  metric(key: string, path: string): boolean;
}

/** `known`: every metric and distribution key of both sides; `metricFiles`: their files. */
export function parseTargets(raw: string[], known: Set<string>, metricFiles: Set<string>): Targets {
  const paths: string[] = [];
  const metrics: string[] = [];
  for (const t0 of raw) {
    const t = t0.replace(/\/+$/, '');
    if (t.includes(':') && [...known].some((k) => names(t, k))) metrics.push(t);
    else if (t.includes(':') && isMetricFile(t, metricFiles)) {
      const near = closest(t, known);
      throw new ReproError('E_USAGE', `--targets: neither side has the metric '${t}'`, {
        hint: near ? `did you mean '${near}'?` : `metrics: ${[...known].sort().join(', ') || '(none)'}`,
      });
    } else paths.push(toRepoPath(t));
  }
  const under = (p: string): boolean => paths.some((t) => p === t || p.startsWith(`${t}/`));
  const all = raw.length === 0;
  return {
    all,
    names: [...paths, ...metrics],
    path: (p) => all || under(p),
    metric: (key, path) => all || under(path) || metrics.some((t) => names(t, key) || t.startsWith(`${key}:`)),
  };
}

/** `t` names the metric `key`: the key itself, or a section or sample list above it. */
function names(t: string, key: string): boolean {
  return key === t || key.startsWith(`${t}.`) || key.startsWith(`${t}:`);
}

function isMetricFile(t: string, files: Set<string>): boolean {
  const { path } = splitMetricRef(t);
  return [...files].some((f) => path === f || path.startsWith(`${f}:`) || t.startsWith(`${f}:`));
}
