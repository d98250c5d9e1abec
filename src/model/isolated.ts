/**
 * What an isolated re-run found (ops/isolated/: `repro replay`, `repro verify --rerun`) and how an
 * expected output differs from a re-produced one (compare/outputs.ts decides the detail). Types only.
 */
import type { LockOut } from './key.js';

/** Volatile-looking tokens: the usual reason a re-run output differs by one line. */
export type VolatileKind = 'date' | 'time' | 'timestamp' | 'version' | 'hostname' | 'uuid' | 'path';

export interface TextDetail {
  kind: 'text';
  /** Unified diff, `--- expected/<path>` / `+++ actual/<path>`, capped. */
  diff: string[];
  first_line: number;
  removed: number;
  added: number;
  truncated: boolean;
  /** Changed lines of `diff` (by index) holding a volatile-looking token. */
  volatile: { line: number; kinds: VolatileKind[]; tokens: string[] }[];
}

export interface BinaryDetail {
  kind: 'binary';
  /** First differing byte; when one is a prefix of the other, the shorter one's size. */
  offset: number;
  expected_size: number;
  actual_size: number;
}

export interface DirDetail {
  kind: 'dir';
  added: string[];
  removed: string[];
  changed: string[];
  /** Per list, how many names were left out by the cap. */
  more: { added: number; removed: number; changed: number };
  /** What differs in the first changed file, when both contents were available. */
  first: { path: string; detail: TextDetail | BinaryDetail } | null;
}

export interface MetricToleranceRow {
  key: string;
  expected: number | null;
  actual: number | null;
  tolerance: number;
  within: boolean;
}

export interface MetricsDetail {
  kind: 'metrics';
  /** Every key on either side, in expected order then new keys. */
  rows: MetricToleranceRow[];
  all_within: boolean;
}

/** The expected content was not available (not in the cache, not in the tree): hashes only. */
export interface HashDetail {
  kind: 'hash';
  reason: string;
}

export type OutputDetail = TextDetail | BinaryDetail | DirDetail | MetricsDetail | HashDetail;

/** How one re-produced output compares with the lock. */
export type OutputOutcome = 'identical' | 'within-tolerance' | 'differs' | 'missing';

export interface OutputResult {
  stage: string;
  /** Repo-relative path of the declared output. */
  path: string;
  kind: 'out' | 'metric' | 'plot';
  outcome: OutputOutcome;
  /** What the lock recorded. */
  expected: LockOut;
  /** What the re-run produced; null when it produced nothing. */
  actual: LockOut | null;
  /** For `differs` and `within-tolerance`: what differs. */
  detail: OutputDetail | null;
  /** Why an outcome is what it is when the detail alone does not say (deterministic: false). */
  note: string | null;
}

export interface InputChange {
  path: string;
  /** The hash the lock recorded for the dep. */
  expected: string;
  /** What the isolated copy has before the stage runs; null when missing. */
  actual: string | null;
}

export interface IsolatedStage {
  name: string;
  /** executed here; restored from the tree or cache (not re-run); failed; not-run (upstream failed, or interrupted). */
  action: 'executed' | 'restored' | 'failed' | 'not-run';
  /** Asked for (false: an upstream stage re-run because its outputs were unavailable, or restored). */
  requested: boolean;
  seed: number | null;
  exit_code: number | null;
  duration_ms: number | null;
  error: string | null;
  stderr_tail: string[];
  /** Deps whose content before the stage ran differed from what the lock recorded. */
  input_changes: InputChange[];
}

export interface IsolatedResult {
  ok: boolean;
  interrupted: boolean;
  /** Where it ran; deleted afterwards unless `kept`. */
  dir: string;
  kept: boolean;
  /** Stages involved, upstream first. */
  stages: IsolatedStage[];
  /** One per output recorded for each executed stage, in stage order. */
  outputs: OutputResult[];
}
