/**
 * The result of `repro diff`, which is also its `--json` document (docs/diff.md documents every
 * field; keep the two in step). Plain data: ops/diff/diff.ts builds it, report/diff/ render it.
 */
import type { Reason } from './stage.js';

/** What one metric's comparison says (compare/metric.ts), by the direction that is better. */
export type MetricVerdict = 'improved' | 'regressed' | 'no significant change' | 'changed' | 'unchanged';

export interface DiffSideInfo {
  label: string;
  kind: 'workspace' | 'commit' | 'run';
  commit: string | null;
  /** run ids whose values were used */
  runs: string[];
  /** where metric values came from: 'runs', 'seed_metrics' (repro.lock), 'files' */
  sources: string[];
  /**
   * The fewest and most values (runs, one per seed) behind this side's metric rows: what the
   * rows' `n` count, recorded runs and a sweep's `seed_metrics` alike; null without metric rows.
   */
  n: [number, number] | null;
}

export interface ParamRow {
  /** "file:dotted.key" */
  key: string;
  change: 'added' | 'removed' | 'changed' | 'unchanged';
  a?: unknown;
  b?: unknown;
}

export interface MetricSummary {
  n: number;
  mean: number;
  sd: number | null;
  se: number | null;
  values: number[];
  seeds: (number | null)[];
}

export interface MetricRow {
  /** "path:dotted.key" */
  key: string;
  direction: 'higher' | 'lower';
  /** null when the metric is missing on that side */
  a: MetricSummary | null;
  b: MetricSummary | null;
  /** mean(b) − mean(a); null when a side is missing */
  delta: number | null;
  /** delta / |mean(a)|; null when mean(a) is 0 or a side is missing */
  relative: number | null;
  test: 'welch' | 'paired' | 'none';
  /** 95% confidence interval of delta (unadjusted), when a test ran */
  ci: [number, number] | null;
  p: number | null;
  /** Holm-adjusted across every tested metric in this diff */
  p_adjusted: number | null;
  verdict: MetricVerdict | 'added' | 'removed' | 'error';
  warning: string | null;
  /** set on a marked row: a metrics file that does not parse, a value that is not a number */
  error: string | null;
  /** the raw values of a non-numeric row, as text */
  text?: { a: string | null; b: string | null };
}

export interface MetricsSection {
  alpha: number;
  adjustment: 'holm';
  /** number of metrics with a test: the family Holm adjusts over */
  tested: number;
  rows: MetricRow[];
}

export interface OutputRow {
  path: string;
  stage: string | null;
  change: 'added' | 'removed' | 'modified' | 'unchanged';
  a: { hash: string; size: number; nfiles?: number } | null;
  b: { hash: string; size: number; nfiles?: number } | null;
  /** size(b) − size(a) in bytes; null when a side is missing */
  size_delta: number | null;
  /**
   * A plots directory, file by file (repo-relative paths, sorted): the files that differ, every
   * file with `--all`; absent for other outputs.
   */
  files?: { path: string; change: 'added' | 'removed' | 'modified' | 'unchanged' }[];
}

export interface EnvRow {
  field: string;
  a: string;
  b: string;
}

export interface PackageRow {
  name: string;
  /** null: not in that side's lock file */
  a: string | null;
  b: string | null;
}

export interface LockFileRow {
  path: string;
  change: 'added' | 'removed' | 'modified' | 'unchanged';
  /** null when the file's format is not one repro parses */
  format: string | null;
  packages: PackageRow[];
}

export interface StageRow {
  name: string;
  change: 'added' | 'removed' | 'changed' | 'unchanged';
  /** why the keys differ, component by component (see `repro status`) */
  reasons: Reason[];
}

export interface DistributionRow {
  /** "path:column" or "path:dotted.key" */
  key: string;
  /** 'histogram': bin counts compared bin by bin; 'samples': values binned at the a side's deciles */
  kind: 'samples' | 'histogram';
  n_a: number;
  n_b: number;
  psi: number | null;
  js: number | null;
  band: 'stable' | 'moderate' | 'major' | null;
  /** p50/p95/p99 of each side ('samples' only) */
  percentiles: { p50: [number, number]; p95: [number, number]; p99: [number, number] } | null;
  error: string | null;
}

export interface DiffResult {
  a: DiffSideInfo;
  b: DiffSideInfo;
  params: ParamRow[];
  metrics: MetricsSection;
  outputs: OutputRow[];
  /** null when a side has no recorded environment */
  environment: EnvRow[] | null;
  lock_files: LockFileRow[];
  /** null when a side has no repro.lock */
  stages: StageRow[] | null;
  distributions: DistributionRow[];
  /** things the reader should know: a side without repro.lock, a file that did not parse */
  notes: string[];
}
