import { CATEGORY, CHART_CONFIG } from './palette.js';
import type { HistoryPoint } from './report-types.js';
import type { Spec } from './templates.js';

/**
 * Vega-Lite specs of the report's own charts (pure): a metric along history with its 95% CI
 * band, and two samples overlaid as histograms on shared bins.
 */

/** One point per commit that has the metric; the band spans each point's CI (its value when n = 1). */
export function historySpec(key: string, points: HistoryPoint[], width = 520): Spec {
  const values = points.flatMap((p, i) => {
    const m = p.metrics[key];
    if (!m) return [];
    const changed = Object.entries(p.params_changed)
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(', ');
    return [
      {
        i,
        commit: p.label,
        mean: m.mean,
        lo: m.ci?.[0] ?? m.mean,
        hi: m.ci?.[1] ?? m.mean,
        n: m.n,
        runs: p.runs.slice(0, 3).join(', ') || '(none)',
        params: changed || '(none)',
      },
    ];
  });
  const labels = Object.fromEntries(points.map((p, i) => [i, p.label]));
  const x = {
    field: 'i',
    type: 'quantitative',
    title: 'commit (oldest → newest)',
    scale: { domain: [0, Math.max(1, points.length - 1)], nice: false, padding: 10 },
    axis: { values: points.map((_, i) => i), labelExpr: `${JSON.stringify(labels)}[datum.value] || ''`, labelAngle: -40 },
  };
  const y = { field: 'mean', type: 'quantitative', title: key, scale: { zero: false } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    description: `${key} along the first-parent history, mean of each commit's runs with a 95% confidence band`,
    config: CHART_CONFIG,
    width,
    height: 220,
    data: { values },
    layer: [
      {
        mark: { type: 'area', opacity: 0.25, color: CATEGORY[0] },
        encoding: { x, y: { field: 'lo', type: 'quantitative', title: key }, y2: { field: 'hi' } },
      },
      { mark: { type: 'line', color: CATEGORY[0] }, encoding: { x, y } },
      {
        mark: { type: 'point', filled: true, size: 50, color: CATEGORY[0] },
        encoding: {
          x,
          y,
          tooltip: [
            { field: 'commit' },
            { field: 'mean', format: '.4~g' },
            { field: 'lo', title: '95% CI low', format: '.4~g' },
            { field: 'hi', title: '95% CI high', format: '.4~g' },
            { field: 'n', title: 'runs (seeds)' },
            { field: 'runs', title: 'run ids' },
            { field: 'params', title: 'params changed' },
          ],
        },
      },
    ],
  };
}

export interface Bin {
  side: string;
  lo: number;
  hi: number;
  count: number;
}

/** `bins` equal-width bins over both samples' range: the same edges on each side, zero counts kept. */
export function sharedBins(sides: { side: string; values: number[] }[], bins = 20): Bin[] {
  const all = sides.flatMap((s) => s.values).filter(Number.isFinite);
  if (all.length === 0) return [];
  let lo = Math.min(...all);
  let hi = Math.max(...all);
  if (lo === hi) [lo, hi] = [lo - 0.5, hi + 0.5];
  const w = (hi - lo) / bins;
  return sides.flatMap(({ side, values }) => {
    const counts = new Array<number>(bins).fill(0);
    for (const v of values) if (Number.isFinite(v)) counts[Math.min(bins - 1, Math.floor((v - lo) / w))]! += 1;
    return counts.map((count, i) => ({ side, lo: lo + i * w, hi: lo + (i + 1) * w, count }));
  });
}

/** Bars of both sides on shared bins, overlaid (not stacked): the first filled, the second outlined. */
export function histogramSpec(key: string, bins: Bin[], sides: string[], width = 520): Spec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    description: `${key}: histograms of ${sides.join(' and ')} on shared bins`,
    config: CHART_CONFIG,
    width,
    height: 180,
    data: { values: bins },
    // the first side filled, the second an outline on top: both readable where they overlap
    mark: { type: 'rect', strokeWidth: 2 },
    encoding: {
      fillOpacity: { condition: { test: `datum.side === ${JSON.stringify(sides[sides.length - 1])}`, value: 0 }, value: 0.6 },
      stroke: { field: 'side', type: 'nominal', sort: sides, legend: null },
      order: { field: 'side', sort: sides.length > 1 && sides[0]! > sides[1]! ? 'descending' : 'ascending' },
      x: { field: 'lo', type: 'quantitative', bin: 'binned', title: key },
      x2: { field: 'hi' },
      y: { field: 'count', type: 'quantitative', stack: null, title: 'count' },
      color: { field: 'side', type: 'nominal', title: null, sort: sides },
      tooltip: [{ field: 'side' }, { field: 'lo', format: '.4~g' }, { field: 'hi', format: '.4~g' }, { field: 'count' }],
    },
  };
}
