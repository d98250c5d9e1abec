import { describe, it, expect } from 'vitest';
import { parseMetricData, parsePlotData } from '../../src/ops/metrics/parse.js';

describe('parseMetricData', () => {
  it('separates scalars, sample lists and non-numeric leaves', () => {
    const d = parseMetricData(
      '{"acc": 0.9, "per_class": [{"f1": 0.5}], "latency": [3, 1, 2], "model": "resnet", "ok": true, "none": null}',
      'm.json',
    );
    expect(d.scalars).toEqual({
      acc: 0.9,
      'per_class.0.f1': 0.5,
      'latency:p50': 2,
      'latency:p95': 2.9,
      'latency:p99': 2.98,
      'latency:mean': 2,
      'latency:max': 3,
      'latency:n': 3,
    });
    expect(d.samples).toEqual({ latency: [3, 1, 2] });
    expect(d.nonNumeric).toEqual({ model: 'resnet', ok: 'true' });
  });

  it('reads YAML, and refuses text that is neither JSON nor YAML (E_CONFIG naming the file)', () => {
    expect(parseMetricData('loss: .nan\nacc: 1\n', 'm.yaml').scalars).toEqual({ loss: NaN, acc: 1 });
    expect(() => parseMetricData('{"a": [1,', 'm.json')).toThrow(
      expect.objectContaining({ code: 'E_CONFIG', message: "metrics file is not JSON or YAML: 'm.json'" }),
    );
    expect(() => parseMetricData('just text', 'm.json')).toThrow(expect.objectContaining({ code: 'E_CONFIG' }));
  });
});

describe('parsePlotData', () => {
  it('CSV and TSV: numeric columns only', () => {
    expect(parsePlotData('step,score,label\n0,0.5,a\n1,0.75,b\n', 'p.csv')).toEqual({ step: [0, 1], score: [0.5, 0.75] });
    expect(parsePlotData('x\ty\n1\t2\n3\t\n', 'p.tsv')).toEqual({ x: [1, 3], y: [2] });
  });

  it('JSON: a bare list, a list of records, a mapping of lists', () => {
    expect(parsePlotData('[1, 2, 3]', 'p.json')).toEqual({ '': [1, 2, 3] });
    expect(parsePlotData('[{"bin": 0, "count": 4}, {"bin": 1, "count": 6}]', 'p.json')).toEqual({ bin: [0, 1], count: [4, 6] });
    expect(parsePlotData('{"train": {"loss": [0.9, 0.5]}}', 'p.json')).toEqual({ 'train.loss': [0.9, 0.5] });
  });
});
