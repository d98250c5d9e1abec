import { describe, expect, it } from 'vitest';
import {
  compareManifests,
  compareMetricValues,
  diffContent,
  firstDifference,
  isText,
  unifiedDiff,
  volatileTokens,
} from '../../src/compare/index.js';

const enc = (s: string) => Buffer.from(s);

describe('unifiedDiff', () => {
  it('equal texts have no diff', () => {
    expect(unifiedDiff('a\nb\n', 'a\nb\n')).toEqual({ lines: [], first_line: 0, removed: 0, added: 0, truncated: false });
  });

  it('shows a changed line with three lines of context and a hunk header', () => {
    const a = ['1', '2', '3', '4', '5', '6', '7', '8'].join('\n') + '\n';
    const b = a.replace('5', 'five');
    expect(unifiedDiff(a, b, { labels: ['expected/x', 'actual/x'] })).toEqual({
      lines: ['--- expected/x', '+++ actual/x', '@@ -2,7 +2,7 @@', ' 2', ' 3', ' 4', '-5', '+five', ' 6', ' 7', ' 8'],
      first_line: 5,
      removed: 1,
      added: 1,
      truncated: false,
    });
  });

  it('finds insertions and deletions (Myers), with separate hunks for distant changes', () => {
    const a = Array.from({ length: 30 }, (_, i) => `l${i}`);
    const b = [...a];
    b.splice(2, 1); // delete l2
    b.splice(20, 0, 'new'); // insert before l21
    const d = unifiedDiff(a.join('\n'), b.join('\n'), { maxLines: 100 });
    expect(d.lines.filter((l) => l.startsWith('@@'))).toEqual(['@@ -1,6 +1,5 @@', '@@ -19,6 +18,7 @@']);
    expect(d.lines).toContain('-l2');
    expect(d.lines).toContain('+new');
    expect(d.removed).toBe(1);
    expect(d.added).toBe(1);
    expect(d.first_line).toBe(3);
  });

  it('caps the output and says so', () => {
    const a = Array.from({ length: 200 }, (_, i) => `a${i}`).join('\n');
    const b = Array.from({ length: 200 }, (_, i) => `b${i}`).join('\n');
    const d = unifiedDiff(a, b, { maxLines: 10 });
    expect(d.lines).toHaveLength(10);
    expect(d.truncated).toBe(true);
    expect(d.removed).toBe(200);
    expect(d.added).toBe(200);
  });

  it('a missing final newline or an empty side still diffs', () => {
    expect(unifiedDiff('', 'x\n').lines).toEqual(['--- a', '+++ b', '@@ -0,0 +1,1 @@', '+x']);
    expect(unifiedDiff('x\n', '').lines).toEqual(['--- a', '+++ b', '@@ -1,1 +0,0 @@', '-x']);
  });

  it('a change of the final newline alone is shown, not an empty diff', () => {
    const d = unifiedDiff('x', 'x\n');
    expect(d.lines).toEqual(['--- a', '+++ b', '@@ -1,1 +1,1 @@', '-x', '\\ No newline at end of file', '+x']);
    expect(d.first_line).toBe(1);
    expect([d.removed, d.added]).toEqual([1, 1]);
    expect(unifiedDiff('a\nb\n', 'a\nb').lines.slice(-3)).toEqual(['-b', '+b', '\\ No newline at end of file']);
  });

  it('past maxEdit differing lines the texts are shown as replaced, still counted in full', () => {
    const a = Array.from({ length: 50 }, (_, i) => `a${i}`).join('\n') + '\n';
    const b = Array.from({ length: 50 }, (_, i) => `b${i}`).join('\n') + '\n';
    const d = unifiedDiff(a, b, { maxEdit: 5, maxLines: 1000 });
    expect(d.lines[2]).toBe('@@ -1,50 +1,50 @@');
    expect([d.removed, d.added, d.first_line, d.truncated]).toEqual([50, 50, 1, false]);
  });
});

describe('diffContent', () => {
  it('text: a unified diff with volatile lines flagged', () => {
    const d = diffContent(enc('acc 0.9\nbuilt 2024-05-01T10:00:00Z on host-7\n'), enc('acc 0.9\nbuilt 2024-05-02T11:30:00Z on host-7\n'), {
      path: 'report.txt',
      hostnames: ['host-7'],
    });
    expect(d.kind).toBe('text');
    if (d.kind !== 'text') return;
    expect(d.diff.slice(0, 2)).toEqual(['--- expected/report.txt', '+++ actual/report.txt']);
    expect(d.volatile.map((v) => [d.diff[v.line]![0], v.kinds])).toEqual([
      ['-', ['timestamp', 'hostname']],
      ['+', ['timestamp', 'hostname']],
    ]);
  });

  it('binary: first differing byte and both sizes', () => {
    const a = Buffer.from([0, 1, 2, 3, 4]);
    const b = Buffer.from([0, 1, 9, 3, 4, 5]);
    expect(diffContent(a, b)).toEqual({ kind: 'binary', offset: 2, expected_size: 5, actual_size: 6 });
    expect(firstDifference(a, Buffer.from([0, 1, 2, 3, 4, 7]))).toBe(5);
    expect(firstDifference(a, Buffer.from(a))).toBe(-1);
  });

  it('invalid UTF-8 or a NUL byte is binary', () => {
    expect(isText(enc('héllo\n'))).toBe(true);
    expect(isText(Buffer.from([0x68, 0x00, 0x69]))).toBe(false);
    expect(isText(Buffer.from([0xff, 0xfe, 0x41]))).toBe(false);
  });
});

describe('volatileTokens', () => {
  it.each([
    ['at 2024-01-31 12:00:01', 'timestamp'],
    ['Fri Nov 27 23:20:14 UTC 2026', 'date'],
    ['took 12:03:44', 'time'],
    ['epoch 1716912000', 'timestamp'],
    ['numpy 1.26.4', 'version'],
    ['Python 3.11', 'version'],
    ['id 123e4567-e89b-12d3-a456-426614174000', 'uuid'],
  ])('%s → %s', (line, kind) => {
    expect(volatileTokens(line).map((t) => t.kind)).toContain(kind);
  });

  it('plain numbers and words are not volatile', () => {
    expect(volatileTokens('accuracy 0.912 loss 12 epochs 30')).toEqual([]);
  });

  it('flags the given host names and directories', () => {
    expect(
      volatileTokens('ran on builder01 in /tmp/repro-isolated-abc/out', { hostnames: ['builder01'], paths: ['/tmp/repro-isolated-abc'] }),
    ).toEqual([
      { kind: 'path', token: '/tmp/repro-isolated-abc' },
      { kind: 'hostname', token: 'builder01' },
    ]);
  });
});

describe('compareManifests', () => {
  it('lists files added, removed and changed, capped', () => {
    const exp = [
      { path: 'a', hash: '1' },
      { path: 'b', hash: '2' },
      { path: 'c', hash: '3' },
    ];
    const act = [
      { path: 'a', hash: '1' },
      { path: 'b', hash: 'X' },
      { path: 'd', hash: '4' },
    ];
    expect(compareManifests(exp, act)).toEqual({
      kind: 'dir',
      added: ['d'],
      removed: ['c'],
      changed: ['b'],
      more: { added: 0, removed: 0, changed: 0 },
    });
    const many = Array.from({ length: 25 }, (_, i) => ({ path: `f${String(i).padStart(2, '0')}`, hash: 'h' }));
    const r = compareManifests([], many, 20);
    expect(r.added).toHaveLength(20);
    expect(r.more.added).toBe(5);
  });
});

describe('compareMetricValues', () => {
  it('judges each key by its tolerance; absent keys are never within', () => {
    const r = compareMetricValues({ acc: 0.9, loss: 0.2, f1: 0.5 }, { acc: 0.903, loss: 0.2, extra: 1 }, (k) => (k === 'acc' ? 0.005 : 0));
    expect(r.rows).toEqual([
      { key: 'acc', expected: 0.9, actual: 0.903, tolerance: 0.005, within: true },
      { key: 'loss', expected: 0.2, actual: 0.2, tolerance: 0, within: true },
      { key: 'f1', expected: 0.5, actual: null, tolerance: 0, within: false },
      { key: 'extra', expected: null, actual: 1, tolerance: 0, within: false },
    ]);
    expect(r.all_within).toBe(false);
    expect(compareMetricValues({ a: 1 }, { a: 1.0001 }, () => 0.001).all_within).toBe(true);
  });
});
