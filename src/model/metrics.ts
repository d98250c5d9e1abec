/** Metrics as read from the workspace's metrics files, recorded in run records and compared. Types only. */

/** Metric values by metrics file: path → dotted key → number. */
export type MetricsByFile = Record<string, Record<string, number>>;

/** `repro metrics show`'s result (docs/json.md), built by ops/metrics/show.ts, rendered by report/metrics/. Types only. */

export interface MetricShown {
  /** `file:key`, the name `diff`, `checks:` and `exp show` use. */
  name: string;
  file: string;
  /** Dotted key inside the file; a sample list's summaries read `key:p95` and so on. */
  key: string;
  /** One value per seed (one for a file without several recorded seeds). */
  n: number;
  mean: number;
  /** Standard error of the mean; null when n = 1. */
  sem: number | null;
  /** 95% confidence interval of the mean (Student t, n − 1 degrees of freedom); null when n = 1. */
  ci95: [number, number] | null;
  values: number[];
  seeds: (number | null)[];
}

export interface MetricsSideShown {
  /** `workspace`, or the revision or run as given. */
  label: string;
  /** The commit of a revision (a run's commit for a run); null for the workspace. */
  commit: string | null;
  metrics: MetricShown[];
  /** Metrics files or values that could not be read (`key` a path, or `path:key`). */
  problems: { key: string; message: string }[];
}

export interface MetricsShowResult {
  sides: MetricsSideShown[];
}
