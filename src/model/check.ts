/**
 * A metric bound or guardrail, shared by the layer that declares it (pipeline/: `checks:` in
 * repro.yaml, with its position) and the one that judges it (compare/guardrail.ts). Types only.
 */

/** Which way a metric is better. */
export type Direction = 'higher' | 'lower';

/** The limits of one check rule: absolute bounds, and the change allowed against a base. */
export interface CheckLimits {
  min?: number;
  max?: number;
  max_drop?: number;
  max_rise?: number;
  max_drop_pct?: number;
  max_rise_pct?: number;
  /** Which way is better; default from the metric name (loss/error/latency → lower), see defaultDirection. */
  direction?: Direction;
}
