import { describe, expect, it } from 'vitest';
import { renderLog, fmtNumber } from '../../src/report/records/log.js';
import { renderDetail, renderOutputs, outcomeCounts } from '../../src/report/outputs.js';
import { renderLineage } from '../../src/report/records/lineage.js';
import type { LineageNode } from '../../src/model/records.js';
import { renderReplay } from '../../src/report/records/replay.js';

// Rendering of log / replay outputs / lineage from fixed data (pure functions, exact text).
const H = (c: string) => c.repeat(64);

describe('renderLog', () => {
  it('one line per run, dirty mark, failed stages, message, unreadable records, the rest counted', () => {
    const base = {
      commit: '0'.repeat(40),
      ended_at: '2026-11-27T22:45:14.000Z',
      dirty: false,
      started_at: '2026-11-27T22:45:13.123Z',
      message: null,
      seeds: [42],
      headline: [],
      failed_stages: [],
      error: null,
    };
    const text = renderLog({
      scope: 'history',
      total: 4,
      runs: [
        {
          ...base,
          id: 'r3',
          source_commit: 'a'.repeat(40),
          dirty: true,
          status: 'ok',
          headline: [
            { name: 'm.json:acc', value: 0.912345 },
            { name: 'm.json:loss', value: 12 },
          ],
          message: 'lr 0.05\nmore',
        },
        { ...base, id: 'r2', source_commit: null, status: 'failed', failed_stages: ['train'], seeds: [1, 2] },
        {
          ...base,
          id: 'r1',
          source_commit: 'b'.repeat(40),
          status: 'unreadable',
          started_at: null,
          seeds: [],
          error: { code: 'E_RECORD', message: "malformed run record (not JSON): 'r1'" },
        },
      ],
    });
    expect(text).toBe(
      [
        'r3  aaaaaaa*  2026-11-27 22:45:13  ok       seed 42   m.json: acc=0.9123  loss=12',
        '    lr 0.05',
        'r2  (none)    2026-11-27 22:45:13  failed (train)  seeds 1,2',
        "r1  bbbbbbb   unreadable record: malformed run record (not JSON): 'r1'",
        '(1 older run not shown)',
        '* started from a working tree with uncommitted changes',
        '',
      ].join('\n'),
    );
  });

  it('numbers: four significant digits, exponent for tiny and huge', () => {
    expect([0.912345, 12, 0.00001234, 1234567.8, -0.5].map(fmtNumber)).toEqual(['0.9123', '12', '1.234e-5', '1.235e+6', '-0.5']);
  });
});

describe('renderOutputs', () => {
  it('labels each outcome and indents the detail, volatile lines flagged', () => {
    const lines = renderOutputs([
      {
        stage: 's',
        kind: 'out',
        path: 'same.txt',
        outcome: 'identical',
        expected: { hash: H('1'), size: 1 },
        actual: { hash: H('1'), size: 1 },
        detail: null,
        note: null,
      },
      {
        stage: 's',
        kind: 'out',
        path: 'out.txt',
        outcome: 'differs',
        expected: { hash: H('2'), size: 1 },
        actual: { hash: H('3'), size: 1 },
        note: null,
        detail: {
          kind: 'text',
          diff: ['--- expected/out.txt', '+++ actual/out.txt', '@@ -1,1 +1,1 @@', '-at 10:00:00', '+at 10:00:05'],
          first_line: 1,
          truncated: false,
          removed: 1,
          added: 1,
          volatile: [
            { line: 3, kinds: ['time'], tokens: ['10:00:00'] },
            { line: 4, kinds: ['time'], tokens: ['10:00:05'] },
          ],
        },
      },
      {
        stage: 's',
        kind: 'out',
        path: 'gone',
        outcome: 'missing',
        expected: { hash: H('4'), size: 1 },
        actual: null,
        detail: null,
        note: null,
      },
    ]);
    expect(lines).toEqual([
      '  identical         same.txt  (s)  11111111',
      '  DIFFERS           out.txt  (s)  22222222 -> 33333333',
      '      --- expected/out.txt',
      '      +++ actual/out.txt',
      '      @@ -1,1 +1,1 @@',
      '      -at 10:00:00    <- looks volatile: time',
      '      +at 10:00:05    <- looks volatile: time',
      '      note: lines marked "looks volatile" hold a date, time, version, host name or path that typically changes between runs',
      '  MISSING           gone  (s)  44444444 -> (none)',
    ]);
    expect(outcomeCounts([{ outcome: 'identical' }, { outcome: 'missing' }])).toBe('2 outputs: 1 identical, 1 missing');
  });

  it('binary, directory, metrics and hash-only details', () => {
    expect(renderDetail({ kind: 'binary', offset: 3, expected_size: 10, actual_size: 12 })).toEqual([
      'binary content differs from byte 3 (expected 10 bytes, got 12)',
    ]);
    expect(
      renderDetail({
        kind: 'dir',
        added: ['n'],
        removed: [],
        changed: ['c'],
        more: { added: 0, removed: 0, changed: 2 },
        first: { path: 'c', detail: { kind: 'binary', offset: 0, expected_size: 1, actual_size: 1 } },
      }),
    ).toEqual([
      'changed c',
      'changed ... and 2 more',
      'added   n',
      'first changed file, c:',
      '  binary content differs from byte 0 (expected 1 byte, got 1)',
    ]);
    expect(
      renderDetail({
        kind: 'metrics',
        rows: [
          { key: 'acc', expected: 0.9, actual: 0.95, tolerance: 0.01, within: false },
          { key: 'n', expected: 3, actual: 3, tolerance: 0, within: true },
          { key: 'new', expected: null, actual: 1, tolerance: 0, within: false },
        ],
        all_within: false,
      }),
    ).toEqual([
      'FAIL acc: expected 0.9, got 0.95  (diff 0.05, tolerance 0.01)',
      'FAIL new: expected (absent), got 1',
      '1 other metric equal',
    ]);
    expect(renderDetail({ kind: 'hash', reason: 'the expected content is not in the cache' })).toEqual([
      'content not compared: the expected content is not in the cache',
    ]);
  });

  it('the replay summary names the verdict and the differing environment', () => {
    const text = renderReplay({
      ok: false,
      interrupted: false,
      dir: '/tmp/x',
      kept: true,
      run: { id: 'r1', commit: 'd'.repeat(40), source_commit: 'c'.repeat(40) },
      stages: [
        {
          name: 'prep',
          action: 'restored',
          requested: false,
          seed: 1,
          exit_code: null,
          duration_ms: null,
          error: null,
          stderr_tail: [],
          input_changes: [],
        },
        {
          name: 'train',
          action: 'failed',
          requested: true,
          seed: 1,
          exit_code: 2,
          duration_ms: 5,
          error: 'command exited with code 2',
          stderr_tail: ['boom'],
          input_changes: [{ path: 'd.csv', expected: H('5'), actual: null }],
        },
      ],
      outputs: [],
      env_diff: [{ field: 'node', a: 'v20.0.0', b: 'v22.0.0' }],
    });
    expect(text).toBe(
      [
        'replay of run r1 (from ccccccc) in /tmp/x (kept)',
        '  restored  prep: outputs from the recorded tree or the cache (upstream)',
        '  FAILED    train: command exited with code 2',
        '      | boom',
        '      input differs from the record: d.csv (55555555 -> missing)',
        '',
        '',
        "0 outputs: none compared: NOT reproduced (inputs are not the recorded ones: 'd.csv' missing)",
        "the environment differs from the recorded one (node): 'repro show r1' lists how",
        '',
      ].join('\n'),
    );
  });
});

describe('renderLineage', () => {
  const leaf = (path: string, hash: string): LineageNode => ({
    path,
    hash,
    stage: null,
    key: null,
    from: null,
    matches: true,
    run: null,
    inputs: [],
    seen: false,
  });
  it('draws the inputs as a tree and lists other versions', () => {
    const text = renderLineage({
      path: 'model.bin',
      within: null,
      workspace_hash: H('a'),
      lock_hash: H('a'),
      modified: false,
      lineage: {
        path: 'model.bin',
        hash: H('a'),
        stage: 'train',
        key: H('c'),
        from: 'lock',
        matches: true,
        run: { id: 'r2', commit: 'e'.repeat(40), started_at: 'x', status: 'executed', on_history: true },
        seen: false,
        inputs: [
          {
            path: 'data',
            hash: H('d') + '.dir',
            stage: 'prep',
            key: H('9'),
            from: 'lock',
            matches: true,
            run: { id: 'r1', commit: 'f'.repeat(40), started_at: 'x', status: 'restored', on_history: false },
            seen: false,
            inputs: [leaf('raw.csv', H('e'))],
          },
          leaf('train.py', H('f')),
        ],
      },
      versions: [
        { run: 'r2', source_commit: null, started_at: 'x', stage: 'train', status: 'executed', hash: H('a'), current: true },
        { run: 'r1', source_commit: null, started_at: 'x', stage: 'train', status: 'executed', hash: H('b'), current: false },
      ],
      warnings: [],
    });
    expect(text).toBe(
      [
        "model.bin  aaaaaaaa  stage 'train' (key cccccccc), run r2",
        "├─ data  dddddddd.dir  stage 'prep' (key 99999999), run r1 (restored from the run cache) (not on this branch)",
        '│  └─ raw.csv  eeeeeeee  source',
        '└─ train.py  ffffffff  source',
        '',
        "versions along history (1 other than the workspace's):",
        '  r2  aaaaaaaa  train  (this version)',
        '  r1  bbbbbbbb  train',
        '',
      ].join('\n'),
    );
  });
});
