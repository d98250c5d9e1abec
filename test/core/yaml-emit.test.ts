import { describe, it, expect } from 'vitest';
import { parse } from 'yaml';
import { emitYaml } from '../../src/core/yaml-emit.js';

// The emitter must write YAML that the yaml library reads back as exactly the input.
const tricky = [
  '',
  ' ',
  'a b',
  'true',
  'False',
  'yes',
  'no',
  'on',
  'null',
  '~',
  'nan',
  '.inf',
  '-.inf',
  '1',
  '01',
  '1.5',
  '1e3',
  '0x1f',
  '0o17',
  '+1',
  '-1',
  '1_000',
  '2026-11-27',
  '12:30:00',
  'a: b',
  'a #b',
  '#x',
  '- x',
  '[x]',
  '{x}',
  '"q"',
  "'q'",
  'tab\tx',
  'line\nbreak',
  'ümlaut',
  '🙂',
  '@at',
  '`tick',
  '!bang',
  '&amp',
  '*star',
  '|',
  '>',
  '%',
  'x:',
  'x ',
  ' x',
  'a,b',
  '?',
  'data/prepared',
  'models/model.json',
  'train@small',
  'python3 src/train.py --lr ${lr}',
  'a/b/c.txt',
  '_x',
  '/abs',
  'e'.repeat(64),
  '1'.repeat(64),
  '1'.repeat(60) + 'e123',
  'a'.repeat(64) + '.dir',
  '1'.repeat(64) + '.dir',
];

describe('emitYaml', () => {
  it('round-trips tricky strings as keys and values', () => {
    for (const s of tricky) {
      const data = { [s || 'empty']: s, list: [s], nested: { k: s } };
      expect(parse(emitYaml(data))).toEqual(data);
    }
  });

  it('round-trips numbers, booleans, null, empty and nested collections, sorting keys', () => {
    const data = {
      z: 1,
      a: -0.5,
      n: null,
      t: true,
      f: false,
      big: 12345678901234,
      small: 1e-7,
      neg: -3,
      empty_map: {},
      empty_list: [],
      lists: [[1, 2], [], [{ b: 1, a: [] }], { y: { x: 'q' } }],
      deps: { 'src/a.py': 'f'.repeat(64), 'data/raw.csv': '' },
    };
    const text = emitYaml(data);
    expect(parse(text)).toEqual(data);
    expect(text.indexOf('a:')).toBeLessThan(text.indexOf('z:'));
  });

  it('pins the layout of a lock-like document', () => {
    expect(emitYaml({ schema: 1, stages: { s: { cmd: ['echo hi > out.txt'], outs: { 'out.txt': 'out' }, seed: null, deps: {} } } })).toBe(
      'schema: 1\nstages:\n  s:\n    cmd:\n      - "echo hi > out.txt"\n    deps: {}\n    outs:\n      out.txt: out\n    seed: null\n',
    );
  });
});
