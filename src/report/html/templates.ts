import { CHART_CONFIG } from './palette.js';
import type { PlotData, PlotTable } from './plot-types.js';

/**
 * DVC-style plot templates as Vega-Lite specs, with the data inlined (`data.values`), so a spec
 * renders anywhere without the files. Pure. Several revisions are drawn in one chart, told apart
 * by colour (lines, points, bars) or side by side (confusion matrices).
 *
 * Field defaults (as DVC): x is `step` (the row index when there is no such column), y the last
 * numeric column; confusion matrices `actual` × `predicted`; horizontal bars the last numeric
 * column against the first text column.
 */
export type Spec = Record<string, unknown>;

/** The fields a plot is drawn from, after defaults. */
export interface ResolvedPlot {
  template: string;
  x: string;
  y: string[];
  /** x is the row index (no such column in the file) */
  xIndex: boolean;
  title: string;
}

export function resolvePlot(p: PlotData): ResolvedPlot {
  const tables = p.tables.flatMap((t) => (t.table ? [t.table] : []));
  const columns = [...new Set(tables.flatMap((t) => t.columns))];
  const numeric = columns.filter(
    (c) =>
      tables.some((t) => t.rows.some((r) => typeof r[c] === 'number')) &&
      tables.every((t) => t.rows.every((r) => r[c] === null || r[c] === undefined || typeof r[c] === 'number')),
  );
  const text = columns.filter((c) => !numeric.includes(c));
  const template = p.options.template ?? 'linear';
  const title = p.options.title ?? p.path;
  const last = <T>(xs: T[]): T | undefined => xs[xs.length - 1];
  if (template.startsWith('confusion')) {
    const x = p.options.x ?? (columns.includes('actual') ? 'actual' : (columns[0] ?? 'actual'));
    const y = p.options.y?.[0] ?? (columns.includes('predicted') ? 'predicted' : (columns.find((c) => c !== x) ?? 'predicted'));
    return { template, x, y: [y], xIndex: false, title };
  }
  if (template.startsWith('bar_horizontal')) {
    const x = p.options.x ?? last(numeric) ?? columns[0] ?? 'value';
    const y = p.options.y?.[0] ?? text[0] ?? columns.find((c) => c !== x) ?? 'name';
    return { template, x, y: [y], xIndex: false, title };
  }
  const x = p.options.x ?? 'step';
  const xIndex = !columns.includes(x);
  const y = p.options.y ?? [last(numeric.filter((c) => c !== x)) ?? 'value'];
  return { template, x, y, xIndex, title };
}

const REV = 'revision';
const SERIES = 'series';

/** The Vega-Lite spec of one plot; `width` in px of one chart (a facet for confusion matrices). */
export function plotSpec(p: PlotData, opts: { width?: number; height?: number } = {}): Spec {
  const r = resolvePlot(p);
  const present = p.tables.filter((t): t is { rev: string; table: PlotTable; error: null } => t.table !== null);
  const revs = present.map((t) => t.rev);
  const width = opts.width ?? 520;
  const height = opts.height ?? 280;
  const base: Spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: r.title,
    config: CHART_CONFIG,
    description: `${r.template} chart of ${p.path}${revs.length > 1 ? ` at ${revs.join(', ')}` : ''}`,
  };
  if (r.template.startsWith('confusion')) return { ...base, ...confusion(r, present, revs, width) };
  if (r.template.startsWith('bar_horizontal')) return { ...base, ...bars(r, present, revs, width) };
  return { ...base, width, height, ...lines(r, present, revs, p.options) };
}

/** Long rows for line-like templates: one per (revision, row, y column) with a number. */
function longRows(r: ResolvedPlot, present: { rev: string; table: PlotTable }[], revs: string[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const { rev, table } of present) {
    table.rows.forEach((row, i) => {
      for (const y of r.y) {
        const v = row[y];
        if (typeof v !== 'number') continue;
        const series = revs.length > 1 && r.y.length > 1 ? `${rev}: ${y}` : revs.length > 1 ? rev : y;
        out.push({ [r.x]: r.xIndex ? i : row[r.x], [y === r.x ? '_y' : 'value']: v, [SERIES]: series, [REV]: rev, field: y });
      }
    });
  }
  return out;
}

function lines(r: ResolvedPlot, present: { rev: string; table: PlotTable }[], revs: string[], o: PlotData['options']): Spec {
  const values = longRows(r, present, revs);
  const xNumeric = values.every((v) => typeof v[r.x] === 'number');
  const xInteger = xNumeric && values.every((v) => Number.isInteger(v[r.x]));
  // integer steps get integer ticks: every value when there are few (d3 would pick 0.2 apart)
  const steps = xInteger ? [...new Set(values.map((v) => v[r.x] as number))].sort((a, b) => a - b) : [];
  const axis = xInteger ? (steps.length <= 16 ? { values: steps, format: 'd' } : { tickMinStep: 1 }) : {};
  const x = {
    field: r.x,
    type: xNumeric ? 'quantitative' : 'ordinal',
    title: o.x_label ?? r.x,
    ...(xNumeric ? { scale: { zero: false, nice: false, padding: 8 }, axis } : {}),
  };
  const y = { field: 'value', type: 'quantitative', title: o.y_label ?? (r.y.length === 1 ? r.y[0] : 'value'), scale: { zero: false } };
  const color = { field: SERIES, type: 'nominal', title: null };
  const tooltip = [{ field: REV }, { field: 'field', title: 'column' }, { field: r.x }, { field: 'value' }];
  const encoding = { x, y, color, tooltip };
  const data = { values };
  switch (r.template) {
    case 'scatter':
      return {
        data,
        mark: { type: 'point', filled: true, size: 40 },
        encoding: { ...encoding, shape: { field: SERIES, type: 'nominal', title: null } },
      };
    case 'simple':
      return { data, mark: { type: 'line' }, encoding };
    case 'smooth':
      return {
        data,
        layer: [
          { mark: { type: 'point', opacity: 0.3, filled: true, size: 20 }, encoding },
          {
            transform: [{ loess: 'value', on: r.x, groupby: [SERIES], bandwidth: 0.3 }],
            mark: { type: 'line', strokeWidth: 2 },
            encoding: { x, y, color },
          },
        ],
      };
    default: // linear
      return { data, mark: { type: 'line', point: { filled: true, size: 30 } }, encoding };
  }
}

function confusion(r: ResolvedPlot, present: { rev: string; table: PlotTable }[], revs: string[], width: number): Spec {
  const [x, y] = [r.x, r.y[0]!];
  const values = present.flatMap(({ rev, table }) =>
    table.rows.map((row) => ({ [REV]: rev, actual: String(row[x]), predicted: String(row[y]) })),
  );
  const normalized = r.template === 'confusion_normalized';
  const transform: Spec[] = [{ aggregate: [{ op: 'count', as: 'count' }], groupby: [REV, 'actual', 'predicted'] }];
  if (normalized) {
    transform.push(
      { joinaggregate: [{ op: 'sum', field: 'count', as: 'total' }], groupby: [REV, 'actual'] },
      { calculate: 'datum.count / datum.total', as: 'share' },
    );
  }
  const value = normalized ? 'share' : 'count';
  const cell = Math.max(120, Math.min(260, Math.floor(width / Math.max(1, revs.length)) - 60));
  const spec = {
    width: cell,
    height: cell,
    encoding: {
      x: { field: 'actual', type: 'nominal', title: x, sort: 'ascending' },
      y: { field: 'predicted', type: 'nominal', title: y, sort: 'ascending' },
    },
    layer: [
      {
        mark: 'rect',
        encoding: {
          color: { field: value, type: 'quantitative', scale: { scheme: 'viridis' }, title: normalized ? 'share of actual' : 'count' },
          tooltip: [
            { field: REV },
            { field: 'actual' },
            { field: 'predicted' },
            { field: 'count' },
            ...(normalized ? [{ field: 'share', format: '.1%' }] : []),
          ],
        },
      },
      {
        mark: { type: 'text', fontSize: 11 },
        encoding: {
          text: { field: value, type: 'quantitative', format: normalized ? '.0%' : 'd' },
          // white on viridis' dark (low) end, black on its light end
          color: { condition: { test: `datum.${value} < datum.peak * 0.6`, value: 'white' }, value: 'black' },
        },
      },
    ],
  };
  transform.push({ joinaggregate: [{ op: 'max', field: value, as: 'peak' }] });
  return {
    data: { values },
    transform,
    facet: { column: { field: REV, type: 'nominal', title: null, sort: revs } },
    spec,
    resolve: { scale: { color: 'shared' } },
  };
}

function bars(r: ResolvedPlot, present: { rev: string; table: PlotTable }[], revs: string[], width: number): Spec {
  const [x, y] = [r.x, r.y[0]!];
  const values = present.flatMap(({ rev, table }) =>
    table.rows.filter((row) => typeof row[x] === 'number').map((row) => ({ [REV]: rev, [y]: String(row[y]), [x]: row[x] })),
  );
  const sorted = r.template === 'bar_horizontal_sorted';
  return {
    width,
    height: { step: revs.length > 1 ? Math.min(40, 10 * revs.length + 4) : 20 },
    data: { values },
    mark: { type: 'bar' },
    encoding: {
      x: { field: x, type: 'quantitative', title: x },
      y: { field: y, type: 'nominal', title: y, sort: sorted ? '-x' : null },
      ...(revs.length > 1
        ? { yOffset: { field: REV, sort: revs }, color: { field: REV, type: 'nominal', title: null, sort: revs } }
        : { color: { value: '#0072B2' } }),
      tooltip: [{ field: REV }, { field: y }, { field: x }],
    },
  };
}
