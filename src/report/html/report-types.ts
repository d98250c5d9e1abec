import type { DiffResult } from '../../model/diff.js';
import type { VerifyResult } from '../../model/verify.js';
import type { PlotsResult } from './plot-types.js';

/**
 * What `repro report` draws: ops/report/report.ts gathers it, report/html/report-page.ts renders it.
 * Plain data, reusing the documented shapes of `repro diff` (DiffResult) and `repro verify`
 * (VerifyResult) as they are.
 */
export interface ReportData {
  /** the revision reported on ('workspace' for the checkout as it is) and the one compared with */
  head: { label: string; commit: string | null };
  base: { label: string; commit: string } | null;
  /** `repro verify` of the checkout (no re-runs), or a saved `repro verify --json`; null: not available */
  verify: VerifyResult | null;
  history: HistoryPoint[];
  /** `repro diff base head`; null without a base */
  diff: DiffResult | null;
  /** raw samples of each distribution row of `diff`, per side, for the histograms */
  samples: Record<string, { base: number[]; head: number[] }>;
  plots: PlotsResult;
  pipeline: PipelineView | null;
  environment: { head: Record<string, string>; base_label: string | null } | null;
  notes: string[];
}

/** One commit of the first-parent history (oldest first) and its metrics over its runs. */
export interface HistoryPoint {
  /** short sha, or 'workspace' */
  label: string;
  commit: string | null;
  subject: string | null;
  runs: string[];
  /** params that differ from the previous point: "file:key" → value */
  params_changed: Record<string, unknown>;
  metrics: Record<
    string,
    { n: number; mean: number; /** 95% t interval of the mean; null for one value */ ci: [number, number] | null; values: number[] }
  >;
}

export type StageState = 'up-to-date' | 'stale' | 'failed' | 'never-run' | 'frozen';

export interface PipelineView {
  stages: {
    name: string;
    upstream: string[];
    state: StageState;
    /** why it is stale, in words */
    reasons: string[];
    /** from the newest run record that ran the stage */
    duration_ms: number | null;
    seed: number | null;
    outs: { path: string; size: number | null }[];
  }[];
  /** false when states could not be computed (a revision, not the workspace): every stage 'up-to-date' as locked */
  live: boolean;
}
