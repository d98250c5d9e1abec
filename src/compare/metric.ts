/**
 * One metric across two sides (base `a`, head `b`), each with one value per run (seed): summaries,
 * the confidence interval of the difference and a verdict. See SPEC.md, "Comparing with
 * uncertainty". `compareMetrics` (metrics.ts) adds the correction for testing many metrics at once.
 */
import { ReproError } from '../core/errors.js';
import type { Direction } from '../model/check.js';
import type { MetricVerdict } from '../model/diff.js';
import { mean, sampleSd, standardError } from './stats.js';
import { pairedT, welch, type TTestResult } from './ttest.js';

export type { Direction, MetricVerdict };

export interface Summary {
  n: number;
  mean: number;
  /** sample standard deviation; null with a single value */
  sd: number | null;
  /** standard error of the mean, sd/√n; null with a single value */
  se: number | null;
  values: number[];
}

export interface MetricInput {
  name: string;
  a: number[];
  b: number[];
  /** the seed of each value in `a` (null: not known) */
  seedsA?: (number | null)[];
  seedsB?: (number | null)[];
  /** which way is better; by default guessed from the name (see `defaultDirection`) */
  direction?: Direction;
}

export interface MetricComparison {
  name: string;
  direction: Direction;
  a: Summary;
  b: Summary;
  /** mean(b) − mean(a) */
  delta: number;
  /** delta / |mean(a)|; null when mean(a) = 0 */
  relative: number | null;
  test: 'welch' | 'paired' | 'none';
  /** (1 − alpha) CI of delta, when a test ran */
  ci?: [number, number];
  p?: number;
  /** set by compareMetrics: Holm-adjusted p across the metrics that had a test */
  p_adjusted?: number;
  verdict: MetricVerdict;
  warning?: string;
}

export const SINGLE_RUN_WARNING = 'single run on a side: the difference carries no uncertainty';

const LOWER_IS_BETTER = /loss|error|err\b|latency|time|mse|rmse|mae|perplexity/i;

/** 'lower' for names that look like losses, errors or durations, else 'higher'. */
export function defaultDirection(name: string): Direction {
  return LOWER_IS_BETTER.test(name) ? 'lower' : 'higher';
}

/**
 * Compares one metric. The test is chosen as:
 * - `paired` when both sides carry the same set of distinct, known seeds (n ≥ 2): values are
 *   matched by seed, which removes the seed-to-seed noise both sides share;
 * - `welch` when both sides have n ≥ 2 otherwise;
 * - `none` when a side has a single value: the verdict is only 'changed' or 'unchanged', with a warning.
 * With a test, the verdict is improved/regressed when the CI excludes 0, else 'no significant change'.
 * Non-finite values (a diverged loss) also get no test and a warning.
 */
export function compareMetric(input: MetricInput, alpha = 0.05): MetricComparison {
  const { name, a, b } = input;
  if (a.length === 0 || b.length === 0) {
    throw new ReproError('E_USAGE', `cannot compare metric '${name}': no values on side ${a.length === 0 ? 'a' : 'b'}`);
  }
  const direction = input.direction ?? defaultDirection(name);
  const sa = summarize(a);
  const sb = summarize(b);
  const delta = sb.mean - sa.mean;
  const base = { name, direction, a: sa, b: sb, delta, relative: sa.mean === 0 ? null : delta / Math.abs(sa.mean) };

  const untested = (warning: string): MetricComparison => ({
    ...base,
    test: 'none',
    verdict: sa.mean === sb.mean ? 'unchanged' : 'changed',
    warning,
  });
  if (![...a, ...b].every(Number.isFinite)) return untested('non-finite values: no statistical test');
  if (a.length < 2 || b.length < 2) return untested(SINGLE_RUN_WARNING);

  const pairs = pairBySeed(input);
  const result: TTestResult = pairs ? pairedT(pairs[0], pairs[1], alpha) : welch(a, b, alpha);
  const significant = result.ci[0] > 0 || result.ci[1] < 0;
  return {
    ...base,
    test: pairs ? 'paired' : 'welch',
    ci: result.ci,
    p: result.p,
    verdict: significant ? directionalVerdict(delta, direction) : 'no significant change',
  };
}

/** 'improved' when delta moves the metric the better way, else 'regressed' (delta ≠ 0). */
export function directionalVerdict(delta: number, direction: Direction): 'improved' | 'regressed' {
  return delta > 0 === (direction === 'higher') ? 'improved' : 'regressed';
}

export function summarize(values: readonly number[]): Summary {
  const n = values.length;
  return {
    n,
    mean: mean(values),
    sd: n < 2 ? null : sampleSd(values),
    se: n < 2 ? null : standardError(values),
    values: [...values],
  };
}

/**
 * The two sides reordered so that index i holds the same seed, or null when they cannot be paired:
 * seeds missing or unknown, a seed repeated on a side, or the seed sets differ.
 */
export function pairBySeed(input: MetricInput): [number[], number[]] | null {
  const { a, b, seedsA, seedsB } = input;
  if (!seedsA || !seedsB || seedsA.length !== a.length || seedsB.length !== b.length) return null;
  if (a.length !== b.length) return null;
  const byB = new Map<number, number>();
  for (let i = 0; i < b.length; i++) {
    const s = seedsB[i];
    if (s === null || s === undefined || byB.has(s)) return null;
    byB.set(s, b[i]!);
  }
  const seen = new Set<number>();
  const pb: number[] = [];
  for (const s of seedsA) {
    if (s === null || s === undefined || seen.has(s) || !byB.has(s)) return null;
    seen.add(s);
    pb.push(byB.get(s)!);
  }
  return [[...a], pb];
}
