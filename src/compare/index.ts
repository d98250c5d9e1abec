/**
 * Diffs and statistics for `repro diff` and `repro verify`: pure functions over parsed data, no
 * I/O. Inputs are plain numbers and objects; errors are ReproError('E_USAGE') for inputs a
 * function cannot answer for (a t test on one value, PSI on no samples).
 */
export { flattenMetrics, sampleLists } from './flatten.js';
export { diffParams, flattenParams, type ParamChange, type ParamDiff } from './params.js';
export { mean, percentiles, sampleSd, standardError } from './stats.js';
export { sampleSummaries } from './summaries.js';
export { tCdf, tQuantile } from './tdist.js';
export { pairedT, welch, type TTestResult } from './ttest.js';
export { holm, type HolmResult } from './holm.js';
export {
  compareMetric,
  defaultDirection,
  directionalVerdict,
  SINGLE_RUN_WARNING,
  summarize,
  type Direction,
  type MetricComparison,
  type MetricInput,
  type Summary,
  type MetricVerdict,
} from './metric.js';
export { compareMetrics, type MetricsComparison } from './metrics.js';
export { histogram, jsDivergence, psi, psiBand, psiFromBins, PSI_EPSILON, type PsiOptions } from './distribution.js';
export { judgeCheck, type CheckResult, type CheckLimits, type CheckStatus, type JudgeOptions } from './guardrail.js';
export { valuesWithinTolerance } from './tolerance.js';
export { envelopeOf, inEnvelope, type Envelope } from './envelope.js';
export { diffPackageVersions, lockFormat, parsePackageVersions, type LockFormat, type PackageChange } from './packages.js';
export {
  compareManifests,
  compareMetricValues,
  diffContent,
  firstDifference,
  isText,
  volatileTokens,
  type BinaryDetail,
  type ContentOptions,
  type DirDetail,
  type HashDetail,
  type MetricToleranceRow,
  type MetricsDetail,
  type OutputDetail,
  type TextDetail,
  type VolatileKind,
} from './outputs.js';
export { unifiedDiff, type UnifiedDiff } from './linediff.js';
