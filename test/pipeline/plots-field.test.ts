import { describe, expect, it } from 'vitest';
import { expectCode, reproError } from '../helpers/errors.js';
import { parse } from '../helpers/pipeline.js';

const stage = (plots: string) => `stages:\n  train:\n    matrix: { m: [a] }\n    cmd: echo\n    plots: ${plots}\n`;

describe('plots: drawing options', () => {
  it('takes a bare path, DVC form and the object form, and keeps options out of outs/metrics', () => {
    const p = parse(
      stage(
        `\n      - plots/bare.csv\n      - plots/\${item.m}.csv: {x: step, y: loss, template: linear, title: Loss \${item.m}}\n      - {path: plots/cm.csv, x: actual, y: predicted, template: confusion, cache: false}\n      - {path: plots/two.csv, y: [train, val]}`,
      ),
    );
    const outs = p.stages[0]!.outs;
    expect(outs.map((o) => [o.path, o.plot ?? null, o.cache])).toEqual([
      ['plots/bare.csv', null, true],
      ['plots/a.csv', { x: 'step', y: ['loss'], template: 'linear', title: 'Loss a' }, true],
      ['plots/cm.csv', { x: 'actual', y: ['predicted'], template: 'confusion' }, false],
      ['plots/two.csv', { y: ['train', 'val'] }, true],
    ]);
  });

  it('rejects an unknown template with its position and the closest name', () => {
    const e = reproError(() => parse(stage(`[{path: p.csv, template: confusoin}]`)));
    expect(e.code).toBe('E_CONFIG');
    expect(e.pos?.line).toBe(5);
    expect(e.hint).toContain("'confusion'");
  });

  it('rejects plot options on outs and unknown plot keys', () => {
    expectCode(() => parse(`stages:\n  s:\n    cmd: echo\n    outs: [{path: o.csv, x: step}]\n`), 'E_UNKNOWN_KEY');
    expectCode(() => parse(stage(`[{p.csv: {colour: red}}]`)), 'E_UNKNOWN_KEY');
  });
});
