/**
 * Guardrails for `repro verify --base`: a metric of this commit (head) judged against the base
 * commit by the rule under `checks:` in repro.yaml. See SPEC.md, "repro verify".
 *
 * Vocabulary: a "drop" is a decrease of the metric's raw value and a "rise" an increase,
 * whatever the metric's direction: accuracy is guarded with `max_drop`, a loss with `max_rise`.
 * `*_pct` limits are percentages of |base mean| (`max_drop_pct: 2` allows a 2% decrease).
 * `min`/`max` bound the head mean. `direction` does not change how a rule reads; it is carried for
 * reports that say whether a change is an improvement.
 *
 * Uncertainty: with n ≥ 2 on both sides the drop/rise rules use the CI of the difference (paired
 * by seed when `opts.seeds` pairs the two sides, else Welch). A rule fails only when the whole CI
 * lies past the limit (the excess is significant); when only the point estimate is past it, the
 * result is 'warn'. With a single run on a side the point delta is compared and the reason says it
 * carries no uncertainty.
 */
import { ReproError } from '../core/errors.js';
import type { CheckLimits } from '../model/check.js';
import { pairBySeed } from './metric.js';

export type { CheckLimits };
import { mean } from './stats.js';
import { exceeds } from './tolerance.js';
import { pairedT, welch } from './ttest.js';

export type CheckStatus = 'pass' | 'warn' | 'fail';

export interface CheckResult {
  status: CheckStatus;
  /** the rule that decided, e.g. 'max_drop 0.01'; on a pass, every rule checked, comma-separated */
  rule: string;
  /** null when the base has no values (a new metric): only min/max can then be judged */
  base_mean: number | null;
  head_mean: number;
  /** head_mean − base_mean */
  delta: number | null;
  /** (1 − alpha) CI of delta, when both sides have n ≥ 2 */
  ci?: [number, number];
  reason: string;
}

interface RuleOutcome {
  status: CheckStatus;
  rule: string;
  reason: string;
}

const RANK: Record<CheckStatus, number> = { pass: 0, warn: 1, fail: 2 };

export interface JudgeOptions {
  /** 1 − confidence level of the interval; default 0.05 */
  alpha?: number;
  /** the seed of each base and head value; when both sides hold the same distinct seeds, the test is paired */
  seeds?: { base: readonly (number | null)[]; head: readonly (number | null)[] };
}

export function judgeCheck(rule: CheckLimits, base: readonly number[], head: readonly number[], opts: JudgeOptions = {}): CheckResult {
  if (head.length === 0) throw new ReproError('E_USAGE', 'cannot judge a check: no head values');
  const alpha = opts.alpha ?? 0.05;
  const headMean = mean(head);
  const baseMean = base.length > 0 ? mean(base) : null;
  const delta = baseMean === null ? null : headMean - baseMean;
  const pairs = opts.seeds
    ? pairBySeed({ name: '', a: [...base], b: [...head], seedsA: [...opts.seeds.base], seedsB: [...opts.seeds.head] })
    : null;
  const ci = base.length >= 2 && head.length >= 2 ? (pairs ? pairedT(pairs[0], pairs[1], alpha) : welch(base, head, alpha)).ci : undefined;
  const ctx: Ctx = { headMean, baseMean, delta, ci, level: Math.round((1 - alpha) * 100) };

  const verdicts: RuleOutcome[] = [];
  if (rule.min !== undefined) verdicts.push(bound('min', rule.min, headMean));
  if (rule.max !== undefined) verdicts.push(bound('max', rule.max, headMean));
  for (const kind of ['drop', 'rise'] as const) {
    const abs = rule[`max_${kind}`];
    const pct = rule[`max_${kind}_pct`];
    if (abs !== undefined) verdicts.push(change(kind, `max_${kind} ${abs}`, abs, ctx));
    if (pct !== undefined) {
      const label = `max_${kind}_pct ${pct}`;
      if (baseMean === 0) {
        verdicts.push({ status: 'warn', rule: label, reason: 'base mean is 0: a percentage limit has no scale' });
      } else {
        verdicts.push(change(kind, label, baseMean === null ? NaN : (pct / 100) * Math.abs(baseMean), ctx));
      }
    }
  }
  if (verdicts.length === 0) {
    throw new ReproError('E_CONFIG', 'check has no rule', {
      hint: 'use min, max, max_drop, max_rise, max_drop_pct or max_rise_pct',
    });
  }

  const worst = verdicts.reduce((w, v) => (RANK[v.status] > RANK[w.status] ? v : w));
  const decided =
    worst.status === 'pass' ? { rule: verdicts.map((v) => v.rule).join(', '), reason: verdicts.map((v) => v.reason).join('; ') } : worst;
  return {
    status: worst.status,
    rule: decided.rule,
    base_mean: baseMean,
    head_mean: headMean,
    delta,
    ...(ci ? { ci } : {}),
    reason: decided.reason,
  };
}

interface Ctx {
  headMean: number;
  baseMean: number | null;
  delta: number | null;
  ci?: [number, number];
  level: number;
}

function bound(kind: 'min' | 'max', limit: number, headMean: number): RuleOutcome {
  const rule = `${kind} ${limit}`;
  const bad = kind === 'min' ? exceeds(limit, headMean, headMean) : exceeds(headMean, limit, headMean);
  const side = kind === 'min' ? 'below' : 'above';
  return bad
    ? { status: 'fail', rule, reason: `mean ${fmt(headMean)} is ${side} the ${kind} ${fmt(limit)}` }
    : { status: 'pass', rule, reason: `mean ${fmt(headMean)} within ${kind} ${fmt(limit)}` };
}

/**
 * A drop/rise rule. `amount` is how far the raw value moved in the rule's sense: the decrease for
 * a drop, the increase for a rise; the CI of the difference is mapped to the same sense.
 */
function change(kind: 'drop' | 'rise', rule: string, limit: number, ctx: Ctx): RuleOutcome {
  if (ctx.delta === null || ctx.baseMean === null) {
    return { status: 'warn', rule, reason: 'no base value to compare with' };
  }
  const sign = kind === 'rise' ? 1 : -1;
  const amount = sign * ctx.delta;
  const scale = Math.max(Math.abs(ctx.baseMean), Math.abs(ctx.headMean));
  // the words follow what the value did, not the rule's name: a drop rule on a value that rose says so
  const fell = kind === 'drop' ? amount > 0 : amount < 0;
  const moved = amount === 0 ? 'unchanged' : `${fell ? 'dropped' : 'rose'} by ${fmt(Math.abs(amount))}`;
  const allowed = `the allowed ${fmt(limit)}`;
  if (!ctx.ci) {
    const note = 'single run on a side: the difference carries no uncertainty';
    return exceeds(amount, limit, scale)
      ? { status: 'fail', rule, reason: `${moved}, more than ${allowed} (${note})` }
      : { status: 'pass', rule, reason: `${moved}, within ${allowed} (${note})` };
  }
  const lo = Math.min(sign * ctx.ci[0], sign * ctx.ci[1]);
  // The interval is stated in the sense of the words ("rose by 0.3 (95% CI 0.2 to 0.4)"), while
  // the judgement below uses it in the rule's sense.
  const w = fell ? -1 : 1;
  const interval = `${ctx.level}% CI ${fmt(Math.min(w * ctx.ci[0], w * ctx.ci[1]))} to ${fmt(Math.max(w * ctx.ci[0], w * ctx.ci[1]))}`;
  if (exceeds(lo, limit, scale)) {
    return { status: 'fail', rule, reason: `${moved} (${interval}), significantly more than ${allowed}` };
  }
  if (exceeds(amount, limit, scale)) {
    return { status: 'warn', rule, reason: `${moved} (${interval}), more than ${allowed} but within the uncertainty` };
  }
  return { status: 'pass', rule, reason: `${moved} (${interval}), within ${allowed}` };
}

/** 4 significant digits, without trailing zeros: 0.0150000001 → '0.015'. */
function fmt(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(4))) : String(x);
}
