/**
 * The run record (docs/records.md), as written by ops/records/write.ts and parsed back by
 * ops/records/read.ts, and shown by `repro show --json`. Types only: the version constant is
 * RECORD_VERSION in ops/records/write.ts, which the type below ties to.
 */
import type { EnvFingerprint } from './env.js';
import type { KeyComponents, LockOut, Observed } from './key.js';
import type { MetricsByFile } from './metrics.js';
import type { StageStatus } from './stage.js';

/** The record format this build writes and the newest it reads (`format: 'repro-run/<n>'`). */
export type RecordVersion = 1;

export type { MetricsByFile };

/** A file the run's snapshot does not hold as it was: a credential found in it, or over the size cap. */
export interface WithheldFile {
  path: string;
  /** The screening rule that matched; null for a file left out for its size. */
  rule: string | null;
  reason: string;
}

/**
 * Everything needed to say what produced a result and to replay it. Stored as canonical, pretty
 * JSON at `.repro-run/record.json` in the run commit.
 */
export interface RunRecord {
  format: `repro-run/${RecordVersion}`;
  id: string;
  message: string | null;
  argv: string[];
  started_at: string;
  ended_at: string;
  status: 'ok' | 'failed' | 'interrupted';
  source: { commit: string | null; branch: string | null; dirty: boolean };
  /** `--seed` given on the command line, else null (each stage's own seed is per stage). */
  seed: number | null;
  sweep: { id: string; seeds: number[]; index: number } | null;
  stages: Record<string, RecordStage>;
  metrics: MetricsByFile;
  locks: Record<string, string>;
  env: EnvFingerprint;
  /** Untracked declared inputs the run's tree holds (docs/records.md). */
  untracked: string[];
  /** Files the run's tree does not hold as they were: a credential found in them, or over the size cap. */
  withheld: WithheldFile[];
}

/** What a run adds to its record beyond the run itself. */
export interface RecordExtras {
  sweep?: RunRecord['sweep'];
}

export interface RecordStage {
  status: StageStatus;
  key: string | null;
  components: KeyComponents | null;
  seed: number | null;
  exit_code: number | null;
  duration_ms: number | null;
  outs: Record<string, LockOut>;
  error: string | null;
  stderr_tail: string[];
  /** The SOURCE_DATE_EPOCH its outputs were made with, as repro.lock records it (null: none). */
  source_date_epoch?: number | null;
  /** What `verify --vary --save` observed, as repro.lock records it (null: never observed). */
  observed?: Observed | null;
}
