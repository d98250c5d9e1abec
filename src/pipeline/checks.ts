import { ReproError } from '../core/errors.js';
import { clip } from '../core/text.js';
import type { PMap, PNode } from '../core/yaml.js';
import { interpolateString, type Scope } from './interpolate.js';
import { asMap, asNumber, asString, checkKeys } from './nodes.js';
import { metricRef } from './stage.js';
import type { CheckRule } from './types.js';

/**
 * `checks:` guardrails for `repro verify --base`. Keys are `"path:metric.key"` (path relative to
 * the repository root, interpolated); values bound the metric absolutely (`min`, `max`) or
 * relative to the base (`max_drop`, `max_rise` and their `_pct` forms, all ≥ 0).
 */

const CHECK_KEYS = ['min', 'max', 'max_drop', 'max_rise', 'max_drop_pct', 'max_rise_pct', 'direction'] as const;
type Bound = Exclude<(typeof CHECK_KEYS)[number], 'direction'>;

/** `checks: {"path:metric.key": {min, max, max_drop, ..., direction}}`. */
export function parseChecks(n: PNode, scope: Scope): Record<string, CheckRule> {
  const out: Record<string, CheckRule> = {};
  for (const e of asMap(n, 'checks').entries) {
    const text = interpolateString(e.key, scope, e.keyPos);
    const { ref } = metricRef(text, '', e.keyPos, 'check');
    const shown = clip(text); // as messages echo it
    const body: PMap = asMap(e.value, `check '${shown}'`);
    checkKeys(body, CHECK_KEYS, `check '${shown}'`);
    const rule: CheckRule = { pos: e.keyPos };
    for (const r of body.entries) {
      if (r.key === 'direction') {
        const d = asString(r.value, `direction of check '${shown}'`).value;
        if (d !== 'higher' && d !== 'lower') {
          throw new ReproError('E_CONFIG', `direction of check '${shown}' must be 'higher' or 'lower', not '${clip(String(d))}'`, {
            pos: r.value.pos,
          });
        }
        rule.direction = d;
        continue;
      }
      const v = asNumber(r.value, `${r.key} of check '${shown}'`);
      if (r.key !== 'min' && r.key !== 'max' && v < 0) {
        throw new ReproError('E_CONFIG', `${r.key} of check '${shown}' must be ≥ 0`, { pos: r.value.pos });
      }
      rule[r.key as Bound] = v;
    }
    if (Object.keys(rule).every((k) => k === 'pos' || k === 'direction')) {
      throw new ReproError('E_CONFIG', `check '${shown}' has no bound`, {
        pos: e.keyPos,
        hint: `give at least one of ${CHECK_KEYS.slice(0, 6).join(', ')}`,
      });
    }
    if (rule.min !== undefined && rule.max !== undefined && rule.min > rule.max) {
      throw new ReproError('E_CONFIG', `check '${shown}' has min greater than max`, { pos: e.keyPos });
    }
    if (out[ref]) throw new ReproError('E_CONFIG', `check '${clip(ref)}' is declared twice`, { pos: e.keyPos });
    out[ref] = rule;
  }
  return out;
}
