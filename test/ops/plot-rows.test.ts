import { describe, expect, it } from 'vitest';
import { parsePlotTable } from '../../src/ops/plots/rows.js';
import { expectCode } from '../helpers/errors.js';

describe('parsePlotTable', () => {
  it('reads CSV with quotes, TSV, and keeps text cells as text', () => {
    expect(parsePlotTable('actual,predicted,n\n"a, b",b,1\ncat,,2\n', 'cm.csv')).toEqual({
      columns: ['actual', 'predicted', 'n'],
      rows: [
        { actual: 'a, b', predicted: 'b', n: 1 },
        { actual: 'cat', predicted: null, n: 2 },
      ],
    });
    expect(parsePlotTable('step\tloss\n0\t1.5\n', 'l.tsv').rows).toEqual([{ step: 0, loss: 1.5 }]);
  });

  it('reads JSON/YAML lists of records or numbers, and DVC-style {"name": [records]}', () => {
    expect(parsePlotTable('[{"x": 1, "label": "a"}, {"x": 2}]', 'p.json').rows).toEqual([
      { x: 1, label: 'a' },
      { x: 2, label: null },
    ]);
    expect(parsePlotTable('[3, 4]', 'p.json')).toEqual({
      columns: ['step', 'value'],
      rows: [
        { step: 0, value: 3 },
        { step: 1, value: 4 },
      ],
    });
    expect(parsePlotTable('train:\n  - {step: 0, loss: 1}\n', 'p.yaml').rows).toEqual([{ step: 0, loss: 1 }]);
  });

  it('a file that is not a table is E_CONFIG naming it', () => {
    for (const [text, path] of [
      ['{nope', 'p.json'],
      ['42', 'p.yaml'],
    ]) {
      expect(expectCode(() => parsePlotTable(text!, path!), 'E_CONFIG').message).toContain(path);
    }
  });
});
