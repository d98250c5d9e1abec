import { describe, expect, it } from 'vitest';
import { plotSpec, resolvePlot } from '../../../src/report/html/templates.js';
import { sharedBins } from '../../../src/report/html/report-charts.js';
import { scriptJson, scriptText } from '../../../src/report/html/escape.js';
import type { PlotData, PlotTable } from '../../../src/report/html/plot-types.js';

const plot = (table: PlotTable, options: PlotData['options'] = {}, rev = 'workspace'): PlotData => ({
  path: 'p.csv',
  stage: 's',
  options,
  tables: [{ rev, table, error: null }],
});

describe('plot templates', () => {
  it('defaults as DVC: x is step (the row index without such a column), y the last numeric column', () => {
    const t = { columns: ['epoch', 'loss', 'acc', 'note'], rows: [{ epoch: 1, loss: 0.5, acc: 0.7, note: 'a' }] };
    expect(resolvePlot(plot(t))).toMatchObject({ template: 'linear', x: 'step', xIndex: true, y: ['acc'] });
    expect(resolvePlot(plot(t, { x: 'epoch', y: ['loss'] }))).toMatchObject({ x: 'epoch', xIndex: false, y: ['loss'] });
    expect(resolvePlot(plot({ columns: ['actual', 'predicted'], rows: [] }, { template: 'confusion' }))).toMatchObject({
      x: 'actual',
      y: ['predicted'],
    });
    expect(resolvePlot(plot({ columns: ['name', 'v'], rows: [{ name: 'a', v: 1 }] }, { template: 'bar_horizontal' }))).toMatchObject({
      x: 'v',
      y: ['name'],
    });
  });

  it('inlines the data: one value per row and y column, skipping cells that are not numbers', () => {
    const t = {
      columns: ['step', 'a', 'b'],
      rows: [
        { step: 0, a: 1, b: 2 },
        { step: 1, a: null, b: 3 },
      ],
    };
    const spec = plotSpec(plot(t, { y: ['a', 'b'] })) as { data: { values: unknown[] } };
    expect(spec.data.values).toEqual([
      { step: 0, value: 1, series: 'a', revision: 'workspace', field: 'a' },
      { step: 0, value: 2, series: 'b', revision: 'workspace', field: 'b' },
      { step: 1, value: 3, series: 'b', revision: 'workspace', field: 'b' },
    ]);
  });

  it('a confusion matrix counts (actual, predicted) pairs and faces revisions side by side', () => {
    const p: PlotData = {
      path: 'cm.csv',
      stage: null,
      options: { template: 'confusion_normalized' },
      tables: ['a', 'b'].map((rev) => ({
        rev,
        error: null,
        table: { columns: ['actual', 'predicted'], rows: [{ actual: 'x', predicted: 'y' }] },
      })),
    };
    const spec = plotSpec(p) as { facet: { column: { field: string } }; transform: { calculate?: string }[] };
    expect(spec.facet.column.field).toBe('revision');
    expect(spec.transform.some((t) => t.calculate === 'datum.count / datum.total')).toBe(true);
  });
});

describe('histogram bins and escaping', () => {
  it('bins both sides on the same edges and keeps empty bins', () => {
    const bins = sharedBins(
      [
        { side: 'a', values: [0, 1, 2] },
        { side: 'b', values: [7, 10] },
      ],
      5,
    );
    expect(bins).toHaveLength(10);
    expect(bins.filter((b) => b.side === 'a').map((b) => b.count)).toEqual([2, 1, 0, 0, 0]);
    expect(bins.filter((b) => b.side === 'b').map((b) => b.count)).toEqual([0, 0, 0, 1, 1]);
    expect(bins[0]).toMatchObject({ lo: 0, hi: 2 });
  });

  it('data and library text cannot close their script element', () => {
    expect(scriptJson({ t: '</script><script>alert(1)</script>' })).not.toContain('</script');
    expect(JSON.parse(scriptJson({ t: '</script>' }))).toEqual({ t: '</script>' });
    expect(scriptText('var s = "</SCRIPT>";')).toBe('var s = "<\\/SCRIPT>";');
  });
});
