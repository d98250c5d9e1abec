import type { VerifyStatus, Where } from './verify.js';

/**
 * What `repro verify --vary` returns (ops/verify/vary.ts): the `vary` member of verify's
 * `--json` document (docs/verify.md, docs/json.md), field for field.
 */
export type VaryClass = 'deterministic' | 'seed-dependent' | 'environment-dependent' | 'unstable';

export interface VaryCheck {
  /** pass; warn: a stage not declared `deterministic: false` is unstable or environment-dependent; fail: a stage could not be re-run. skip: not asked for. */
  status: VerifyStatus;
  /** The variations run, in order. */
  variations: string[];
  /** Variations that could not run on this machine, and why. */
  skipped: { variation: string; reason: string }[];
  /** Whether the classes were written into repro.lock (`--save`). */
  saved: boolean;
  duration_ms: number;
  stages: VaryStage[];
}

export interface VaryStage extends Where {
  name: string;
  /** null: not classified (the reference re-run failed, or its inputs are not the recorded ones: see error). */
  class: VaryClass | null;
  /** repro.yaml's `deterministic` (true unless declared false). */
  deterministic: boolean;
  error: string | null;
  /** unstable: what the reference re-run (everything as recorded) changed against repro.lock. */
  reference: VaryDiff | null;
  variations: VaryOutcome[];
  /** The variations that changed an output (seed included). */
  differs_when: string[];
  hint: string | null;
}

export interface VaryOutcome {
  variation: string;
  /** What changed, in words: "TZ=RPV-13:45". */
  what: string;
  /** same: every output identical to the reference; differs; failed: the command failed; not-applicable (seed of a `seed: false` stage). */
  status: 'same' | 'differs' | 'failed' | 'not-applicable';
  diff: VaryDiff | null;
  error: string | null;
  hint: string | null;
}

/** The first difference found: which output (and file in a directory output), which line or byte. */
export interface VaryDiff {
  path: string;
  /** 1-based line of the first differing line (text), else null. */
  line: number | null;
  /** That line as the variation wrote it (or null: binary, missing, a removed line). */
  text: string | null;
  /** binary: the first differing byte. */
  byte_offset: number | null;
  detail: string | null;
}

/** A stage repro.yaml has deterministic that repro.lock says was observed otherwise (always checked). */
export interface ObservedWarning extends Where {
  stage: string;
  class: 'unstable' | 'environment-dependent';
  message: string;
}
