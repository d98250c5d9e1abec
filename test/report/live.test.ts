import { describe, expect, it } from 'vitest';
import { applyEvent, cells, duration, fit, liveState, plainText, renderStatus, type LiveState } from '../../src/report/live/index.js';
import type { RunEvent } from '../../src/model/run.js';

const T0 = 1_000_000;

function stateAfter(events: Array<[number, RunEvent]>): LiveState {
  const s = liveState(T0);
  for (const [t, e] of events) applyEvent(s, e, T0 + t);
  return s;
}

const end = (name: string, status: 'executed' | 'failed' | 'up-to-date' = 'executed'): RunEvent => ({
  type: 'stage-end',
  result: { name, status, reasons: [], seed: null },
});
const start = (stage: string): RunEvent => ({ type: 'stage-start', stage, reasons: [], restore: false });
const out = (stage: string, line: string, partial?: true): RunEvent => ({
  type: 'stage-output',
  stage,
  line: `[${stage}] ${line}`,
  stream: 'stderr',
  ...(partial ? { partial } : {}),
});

const opts = { now: T0 + 75_000, width: 80, maxLines: 10, color: false };

describe('live status', () => {
  it('counts done, running, queued and failed, and shows each running stage with its elapsed time and last line', () => {
    const s = stateAfter([
      [0, { type: 'plan', stages: ['prepare', 'train', 'eval', 'report', 'lint'] }],
      [0, end('lint', 'up-to-date')],
      [1000, start('prepare')],
      [2000, end('prepare', 'failed')],
      [3000, start('train')],
      [4000, out('train', 'epoch 3/10 loss 0.41')],
      [5000, start('eval')],
      [6000, out('eval', ' 45%|████▌     | 45/100', true)],
    ]);
    expect(renderStatus(s, opts)).toEqual([
      'repro run: 2/5 done · 2 running · 1 queued · 1 failed · 1m15s',
      '  train  1m12s  epoch 3/10 loss 0.41',
      '  eval   1m10s   45%|████▌     | 45/100',
    ]);
  });

  it('in a sweep, says which seed runs, and starts the counts again with each seed', () => {
    const seed = (n: number, index: number): RunEvent => ({ type: 'notice', text: `seed ${n}`, sweep: { seed: n, index, count: 3 } });
    const s = stateAfter([
      [0, seed(7, 0)],
      [0, { type: 'plan', stages: ['a', 'b'] }],
      [0, end('a')],
      [0, end('b')],
      [0, seed(8, 1)],
      [0, { type: 'plan', stages: ['a', 'b'] }],
    ]);
    expect(renderStatus(s, opts)[0]).toBe('repro run: seed 8 (2 of 3): 0/2 done · 0 running · 2 queued · 1m15s');
  });

  it('never draws a line wider than the terminal less one cell, wide characters and escapes included', () => {
    const s = stateAfter([
      [0, { type: 'plan', stages: ['a-stage-with-a-rather-long-name-indeed', 'b'] }],
      [0, start('a-stage-with-a-rather-long-name-indeed')],
      [0, out('a-stage-with-a-rather-long-name-indeed', `\x1b[32m${'训练'.repeat(40)}\x1b[0m\tdone`)],
    ]);
    for (const width of [20, 40, 100]) {
      const lines = renderStatus(s, { ...opts, width });
      for (const l of lines) expect(cells(l)).toBeLessThanOrEqual(width - 1);
      expect(lines.join('\n')).not.toContain('\x1b');
    }
    expect(renderStatus(s, { ...opts, width: 40 })[1]).toMatch(/^ {2}a-stage-with-a-rather-l… +1m15s {2}训…$/);
  });

  it('past maxLines, says how many more stages run', () => {
    const names = ['s1', 's2', 's3', 's4', 's5'];
    const s = stateAfter([[0, { type: 'plan', stages: names }], ...names.map((n): [number, RunEvent] => [0, start(n)])]);
    expect(renderStatus(s, { ...opts, maxLines: 4 })).toEqual([
      'repro run: 0/5 done · 5 running · 0 queued · 1m15s',
      '  s1  1m15s',
      '  s2  1m15s',
      '  … and 3 more running',
    ]);
  });

  it('colours only when asked (the caller passes false for NO_COLOR and off a terminal)', () => {
    const s = stateAfter([
      [0, { type: 'plan', stages: ['a'] }],
      [0, start('a')],
    ]);
    expect(renderStatus(s, { ...opts, color: true }).join('\n')).toMatch(/\x1b\[[0-9;]*m/);
    expect(renderStatus(s, { ...opts, color: false }).join('\n')).not.toContain('\x1b');
  });

  it('says so once interrupted', () => {
    const s = stateAfter([
      [0, { type: 'plan', stages: ['a'] }],
      [0, start('a')],
    ]);
    s.interrupting = true;
    expect(renderStatus(s, opts)[0]).toBe('repro run: interrupted, stopping 1 running stage');
  });
});

describe('terminal cells', () => {
  it('measures wide characters as two cells and cuts with an ellipsis', () => {
    expect(cells('ab训')).toBe(4);
    expect(fit('abcdef', 4)).toBe('abc…');
    expect(fit('训练训练', 5)).toBe('训练…');
    expect(fit('abc', 3)).toBe('abc');
  });

  it('drops escape sequences and control characters from stage text', () => {
    expect(plainText('\x1b[1;31merror\x1b[0m:\tbad\x07\x1b]0;title\x07')).toBe('error: bad');
  });

  it('writes durations short', () => {
    expect([0, 4_999, 65_000, 3_780_000].map(duration)).toEqual(['0s', '4s', '1m05s', '1h03m']);
  });
});
