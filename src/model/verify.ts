import type { Reason } from './run.js';
import type { ObservedWarning, VaryCheck } from './vary.js';

/**
 * What `repro verify` returns (ops/verify/verify.ts) and every verify report renders. These types are the
 * documented `--json` shape (docs/verify.md) field for field, so the CLI prints the result as it
 * is. They live in model/ so the renderers need nothing from ops/. Each check has a status:
 * `pass`, `warn` (reported, never fails the command), `fail`, or `skip` (not requested).
 */
export type VerifyStatus = 'pass' | 'warn' | 'fail' | 'skip';

/** Where a subject is declared, for annotations: repro.yaml (or repro.lock for a removed stage). */
export interface Where {
  file: string;
  /** 1-based; null when not known */
  line: number | null;
}

/**
 * A staleness reason (the kinds of `repro status`). An `out-modified` reason found by verify (a
 * Git-tracked output whose checked-out content is not what repro.lock records) also has
 * `lock_line`: the line of that output's entry under `out_hashes` in repro.lock, null if not found.
 */
export type FreshReason = Reason & { lock_line?: number | null };

export interface FreshStage extends Where {
  name: string;
  /**
   * fresh: the recomputed key equals the lock's and every Git-tracked output present matches it.
   * stale: it does not (or an upstream stage is stale), see `reasons`. never-run: in repro.yaml,
   * not in repro.lock. removed: in repro.lock, no longer in repro.yaml. frozen: `frozen: true`
   * with a lock entry, not checked.
   */
  status: 'fresh' | 'stale' | 'never-run' | 'removed' | 'frozen';
  reasons: FreshReason[];
}

export interface FreshnessCheck {
  status: VerifyStatus;
  stages: FreshStage[];
}

export interface DataOutput {
  stage: string;
  path: string;
  hash: string;
  /**
   * in-cache: in the local cache (verified). on-remote: not (all) in the local cache, but on the
   * default remote. missing: in neither (or not in the local cache, with no remote configured).
   * corrupt: there but bad. in-git: tracked by Git, needs no cache. not-cached: `cache: false`.
   * unknown: not in the local cache, and the default remote could not be read to look it up.
   */
  status: 'in-cache' | 'on-remote' | 'missing' | 'corrupt' | 'in-git' | 'not-cached' | 'unknown';
  /** For a missing directory: the first object (a file it names, or its manifest) found nowhere. */
  missingObject?: string;
}

export interface DataCheck {
  status: VerifyStatus;
  /** The default remote checked, `'NAME' (URL)`, or null when none is configured */
  remote: string | null;
  outputs: DataOutput[];
  note: string;
}

/** A `checks:` rule or a stage tolerance, validated against the head metrics. */
export interface RuleEntry extends Where {
  kind: 'check' | 'tolerance';
  /** "path:key" */
  metric: string;
  /** the stage, for a tolerance */
  stage: string | null;
  status: 'pass' | 'fail' | 'skip';
  /** why it failed or was skipped; null on a pass */
  problem: string | null;
}

export interface RulesCheck {
  status: VerifyStatus;
  rules: RuleEntry[];
}

export interface MetricDiff {
  key: string;
  locked: number | null;
  rerun: number | null;
  /** the allowed |difference| (0 when the stage declares none for this key) */
  tolerance: number;
  within: boolean;
}

export interface RerunOutput {
  path: string;
  status: 'identical' | 'within-tolerance' | 'differs' | 'missing';
  /** text output: a unified diff of the first differing lines (`--- expected/…`, `+++ actual/…`), capped */
  diff: string[] | null;
  /** text output: 1-based line of the first difference */
  first_line: number | null;
  /** text output: tokens on changed lines that usually vary between runs (dates, hosts, versions) */
  volatile: { kinds: string[]; tokens: string[] }[];
  /** binary output: the first differing byte */
  byte_offset: number | null;
  /** [locked, re-run] sizes in bytes, when known */
  sizes: [number, number] | null;
  /** directory output: files added, removed and changed (capped) */
  files: { added: string[]; removed: string[]; changed: string[] } | null;
  /** metrics output: every value side by side */
  metrics: MetricDiff[];
  /** anything else worth saying (e.g. the locked content was not available, hashes only) */
  detail: string | null;
}

export interface RerunStage extends Where {
  name: string;
  /** reproduced, reproduced within tolerance, not reproduced, or the command failed */
  status: 'reproduced' | 'within-tolerance' | 'not-reproduced' | 'failed' | 'not-run';
  outputs: RerunOutput[];
  error: string | null;
  stderr_tail: string[];
  /**
   * deps whose content in the re-run copy differed from the lock before the stage ran (`actual`
   * null: missing); any makes the stage `not-reproduced`, whatever its outputs
   */
  input_changes: { path: string; expected: string; actual: string | null }[];
  /** `--seeds` or `tolerance: auto` on a `deterministic: false` stage: each metric judged against its envelope across seeds. */
  envelope?: EnvelopeInfo;
}

/** docs/verify.md: where the band came from, and each metric against it. */
export interface EnvelopeInfo {
  /** seeds: re-run here with `--seeds`; seed_metrics: the lock's last sweep; none: fewer than two seeds known. */
  source: 'seeds' | 'seed_metrics' | 'none';
  seeds: number[];
  rows: EnvelopeRow[];
  note: string | null;
}

export interface EnvelopeRow {
  /** "path:key" */
  key: string;
  recorded: number | null;
  rerun: number | null;
  n: number;
  mean: number;
  lo: number;
  hi: number;
  min: number;
  max: number;
  /** both values (those known) inside [lo, hi] or [min, max] */
  within: boolean;
}

export interface RerunCheck {
  status: VerifyStatus;
  /** the stages asked for (after `--sample`) */
  stages_requested: string[];
  sample: { k: number; seed: number } | null;
  stages: RerunStage[];
}

export interface SideStats {
  mean: number;
  n: number;
  values: number[];
}

export interface GuardRow extends Where {
  /** "path:key" */
  metric: string;
  base: SideStats | null;
  head: SideStats | null;
  delta: number | null;
  ci: [number, number] | null;
  /** the rule that decided (every rule, comma-separated, on a pass) */
  rule: string;
  status: 'pass' | 'warn' | 'fail';
  reason: string;
  /** improved / regressed by the metric's direction; null without a base or a change */
  change: 'improved' | 'regressed' | 'unchanged' | null;
}

export interface GuardrailCheck {
  status: VerifyStatus;
  /** the `--base` revision; null without --base (only the min/max bounds of `checks:` judged) */
  base: { ref: string; commit: string } | null;
  rows: GuardRow[];
}

export interface VerifyResult {
  /** false when any check failed (also with --warn-only, which only changes the exit code) */
  ok: boolean;
  /** the commit checked out (HEAD), null before the first commit */
  commit: string | null;
  /** tracked files differ from HEAD: the checks saw uncommitted changes */
  dirty: boolean;
  freshness: FreshnessCheck;
  data: DataCheck;
  rules: RulesCheck;
  rerun: RerunCheck | { status: 'skip' };
  guardrails: GuardrailCheck | { status: 'skip' };
  /** `--vary` only (docs/verify.md): each stage's class under variations. */
  vary?: VaryCheck;
  /** Present when not empty: stages deterministic in repro.yaml but observed otherwise in repro.lock (warnings). */
  observed_warnings?: ObservedWarning[];
}

export type CheckName = 'freshness' | 'data' | 'rules' | 'rerun' | 'guardrails';
