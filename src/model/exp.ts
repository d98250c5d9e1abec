/**
 * `repro exp show`'s rows and result (docs/json.md), shared by ops/exp/ (which builds them) and
 * report/exp/ (which renders them). Types only.
 */

/** A metric cell: one value, or a sweep's summary. `sem` is null for a single value. */
export interface ExpCell {
  mean: number;
  sem: number | null;
  n: number;
  values: number[];
}

export interface ExpRow {
  /** The run id shown (a sweep's newest run), and every run the row stands for, newest first. */
  id: string;
  /** The shortest unique suffix of `id` (at least 6 characters): a name `show`, `replay`, `diff` accept. */
  short_id: string;
  run_ids: string[];
  /** The sweep this row summarises (or, with `--seeds`, belongs to); null for a single run. */
  sweep: string | null;
  /** The source commit; null for a run made before the first commit. */
  commit: string | null;
  branch: string | null;
  dirty: boolean;
  /** When the row's first run started. */
  started_at: string;
  /** `ok`, `failed`, `interrupted`; several statuses of a sweep joined by `/`. */
  status: string;
  /** The seed of each run, in `run_ids` order (null: unknown). */
  seeds: (number | null)[];
  /** `key` for params.yaml, `file:key` for another params file → value. */
  params: Record<string, unknown>;
  /** `file:key` → cell. */
  metrics: Record<string, ExpCell>;
}

export interface ExpShowResult {
  scope: 'history' | 'all';
  /** Rows in scope before `-n`. */
  total: number;
  sort_by: string | null;
  /** The params and metrics columns shown, in order. */
  columns: { params: string[]; metrics: string[] };
  rows: ExpRow[];
}
