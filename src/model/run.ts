/**
 * What `repro run`, `run --seeds`, `status` and `checkout` return (ops/run/, ops/checkout.ts) and
 * report/run/ renders. Types only.
 */
import type { EnvFingerprint } from './env.js';
import type { KeyComponents, LockOut, Observed } from './key.js';
import type { MetricsByFile } from './metrics.js';
import type { RecordExtras } from './record.js';
import type { Reason, StageStatus } from './stage.js';

export type { Reason, StageStatus };

/** What `repro run` is asked to do (cli/run.ts builds it; the scheduler and the record writer read it). */
export interface RunOptions {
  cwd: string;
  targets?: string[];
  force?: boolean;
  dry?: boolean;
  downstream?: boolean;
  /** `-S [file:]key=value`, written into the params file before the pipeline is read. */
  overrides?: string[];
  /** Overrides every stage seed (not stages with `seed: false`). */
  seed?: number;
  jobs?: number;
  /** Write a run record in Git (default: `.exprc` run.record, true). */
  record?: boolean;
  message?: string;
  signal?: AbortSignal;
  onEvent?: (e: RunEvent) => void;
  /**
   * The caller shows output as it comes (a terminal): a stage's unfinished line (a `\r` progress
   * bar) also arrives as `stage-output` with `partial: true` each time it changes, and commands
   * run with PYTHONUNBUFFERED=1 (unless the environment sets it) so Python's prints arrive when
   * made, in order with its stderr, not all at exit. Off: only finished lines, environment as given.
   */
  live?: boolean;
  /** The command line, for the record. */
  argv?: string[];
  env?: NodeJS.ProcessEnv;
  /** Passed to the run record (a seed sweep's id); with a sweep the run is recorded even when nothing ran. */
  recordExtras?: RecordExtras;
  /** `--pull [-r NAME]`: a stale stage's key is looked up in the remote run cache (true: the default remote) before it executes. */
  pull?: boolean | string;
  /** The machine fingerprint for the record, when probing already started (see environment.ts). */
  environment?: Promise<EnvFingerprint>;
}

export interface StageResult {
  name: string;
  status: StageStatus;
  reasons: Reason[];
  key?: string;
  seed: number | null;
  exitCode?: number | null;
  durationMs?: number;
  outs?: Record<string, LockOut>;
  stderrTail?: string[];
  error?: string;
  components?: KeyComponents;
  /** Restored from this remote's run cache (`run --pull`). */
  fromRemote?: string;
}

export interface RunResult {
  ok: boolean;
  interrupted: boolean;
  stages: StageResult[];
  startedAt: string;
  endedAt: string;
  runId?: string;
  recordCommit?: string;
  /** The workspace metrics after the run, when the record read them (a sweep reuses them). */
  metrics?: MetricsByFile;
  /** Set when the run itself succeeded but writing its record failed. */
  recordError?: string;
  /** What the record left out, in words (e.g. a metrics file that is not JSON or YAML). */
  recordWarnings?: string[];
}

/**
 * What a run reports as it goes, in order: `plan` once (the selected stages, before any starts),
 * then per stage `stage-start` (only for one restored or executed), its `stage-output`, and
 * `stage-end` (every stage that was looked at, up to date ones included). A sweep sends one
 * `plan` per seed's run. `line` is prefixed `[stage] `; a `partial` line (only with `live`) is the
 * stage's unfinished line as a terminal shows it now, superseded by the next line of its stream.
 */
export type RunEvent =
  | { type: 'plan'; stages: string[] }
  | { type: 'stage-start'; stage: string; reasons: Reason[]; restore: boolean }
  | { type: 'stage-output'; stage: string; line: string; stream: 'stdout' | 'stderr'; partial?: true }
  | { type: 'stage-end'; result: StageResult }
  /** `sweep`: the notice that a seed sweep's next run starts (`index` from 0, of `count`). */
  | { type: 'notice'; text: string; sweep?: { seed: number; index: number; count: number } };

/** `repro run --seeds`. */
export interface SweepResult {
  id: string;
  seeds: number[];
  /** one per seed that ran, in order */
  runs: { seed: number; result: RunResult }[];
  /** the last run with the first seed; null when the sweep stopped early */
  restore: RunResult | null;
  ok: boolean;
  interrupted: boolean;
  /** stage → seed → "path:key" → value, as written to repro.lock */
  seedMetrics: Record<string, Record<string, Record<string, number>>>;
}

/** One stale stage and every reason, from what to what. */
export interface StaleStage {
  name: string;
  reasons: Reason[];
}

/** `repro status`. */
export interface StatusResult {
  /** True when every selected stage is up to date. */
  clean: boolean;
  stale: StaleStage[];
  upToDate: string[];
  frozen: string[];
  /** What `verify --vary --save` observed (repro.lock), for stages observed other than deterministic. */
  observed: Record<string, Observed>;
}

/** A cache object found bad: where it was, and where it was moved (null when it was gone already). */
export interface BadObject {
  hash: string;
  path: string;
  movedTo: string | null;
}

/** `repro checkout` (and the checkout step of `repro pull`). */
export interface CheckoutResult {
  /** Stopped by the signal before every output was handled (exit 130). */
  interrupted: boolean;
  /** Outputs written from the cache. */
  restored: string[];
  /** Outputs already as recorded. */
  unchanged: string[];
  /** Outputs whose object is not in the cache: a re-run is needed. */
  missing: { path: string; stage: string; hash: string }[];
  /** Outputs whose cached object (or a member of it) was bad: moved aside, a re-run is needed. */
  corrupt: { path: string; stage: string; hash: string; objects: BadObject[] }[];
  /**
   * Outputs edited in the workspace whose content is nowhere in the cache (`files`: the files of
   * a directory output, or `['']` for a file). Checkout then touched nothing, unless `force`.
   */
  modified: { path: string; stage: string; files: string[] }[];
  /** Selected stages with outputs but no repro.lock entry (never ran): nothing to restore. */
  notRun: { stage: string; outs: string[] }[];
}
