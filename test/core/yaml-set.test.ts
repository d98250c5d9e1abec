import { describe, expect, it } from 'vitest';
import { parseYaml, setYamlKey } from '../../src/core/yaml.js';

// `-S key=value` changes only the bytes of the value it sets (README: comments and layout kept).
const PARAMS = `# training knobs
seed: 42            # global seed

split:
  test_size: 0.25      # held-out share
  shuffle: true        # before splitting

train:
  rf:
    n_estimators: 100  # trees
    max_depth: 8       # depth
  layers: [64,   32]   # flow list, odd spacing
  name: "random forest"   # quoted string
  tag: 'v1'
  empty:
other: {a: 1}
`;

/** Lines of `after` that differ from PARAMS, by index (both texts must have the same line count). */
function changedLines(after: string): Record<number, string> {
  const a = PARAMS.split('\n');
  const b = after.split('\n');
  expect(b.length).toBe(a.length);
  const out: Record<number, string> = {};
  b.forEach((l, i) => {
    if (l !== a[i]) out[i] = l;
  });
  return out;
}

function expected(key: string, value: unknown): unknown {
  const data = parseYaml(PARAMS, 'params.yaml') as Record<string, unknown>;
  const parts = key.split('.');
  let o = data as Record<string, unknown>;
  for (const p of parts.slice(0, -1)) o = (o[p] ??= {}) as Record<string, unknown>;
  o[parts[parts.length - 1]!] = value;
  return data;
}

describe('setYamlKey', () => {
  it.each([
    ['split.test_size', 0.3, 4, '  test_size: 0.3      # held-out share'],
    ['seed', 7, 1, 'seed: 7            # global seed'],
    ['train.rf.n_estimators', 50, 9, '    n_estimators: 50  # trees'],
    ['train.layers.0', 128, 11, '  layers: [128,   32]   # flow list, odd spacing'],
    ['train.name', 'gb', 12, '  name: "gb"   # quoted string'],
    ['train.tag', "it's", 13, "  tag: 'it''s'"],
    ['train.empty', 1, 14, '  empty: 1'],
    ['other.a', 'x y', 15, 'other: {a: "x y"}'],
  ])('%s=%s changes only its own line, and only its value', (key, value, line, text) => {
    const after = setYamlKey(PARAMS, 'params.yaml', key, value);
    expect(changedLines(after)).toEqual({ [line]: text });
    expect(parseYaml(after, 'params.yaml')).toEqual(expected(key, value));
  });

  it('adds a new key as one line after its section, at its indentation, and leaves every other line alone', () => {
    const after = setYamlKey(PARAMS, 'params.yaml', 'train.rf.min_leaf', 2);
    const lines = PARAMS.split('\n');
    lines.splice(11, 0, '    min_leaf: 2');
    expect(after).toBe(lines.join('\n'));
    expect(parseYaml(after, 'params.yaml')).toEqual(expected('train.rf.min_leaf', 2));
  });

  it('adds new sections at the end, into flow maps and lists, and to a file without a final newline', () => {
    expect(setYamlKey(PARAMS, 'p.yaml', 'eval.k.top', 5)).toBe(PARAMS + 'eval:\n  k:\n    top: 5\n');
    expect(setYamlKey(PARAMS, 'p.yaml', 'other.b', 2)).toBe(PARAMS.replace('{a: 1}', '{a: 1, b: 2}'));
    expect(setYamlKey(PARAMS, 'p.yaml', 'train.layers.2', 16)).toBe(PARAMS.replace('[64,   32]', '[64,   32, 16]'));
    expect(setYamlKey('a: 1', 'p.yaml', 'b', 2)).toBe('a: 1\nb: 2\n');
    expect(setYamlKey('', 'p.yaml', 'a.b', 'x')).toBe('a:\n  b: x\n');
    expect(setYamlKey('l:\n  - 1\n  - 2\nz: 0\n', 'p.yaml', 'l.2', 3)).toBe('l:\n  - 1\n  - 2\n  - 3\nz: 0\n');
  });

  it('replaces a list by a list, in flow style after the key', () => {
    const after = setYamlKey('a:\n  l:\n    - 1\n    - 2\n  b: 1   # keep\n', 'p.yaml', 'a.l', [3, 4]);
    expect(after).toBe('a:\n  l: [3, 4]\n  b: 1   # keep\n');
  });

  it.each([
    ['a: !!str 1\nb: 2\n', 'a', 5, 'a: 5\nb: 2\n'],
    ['a: !!int 1 # c\n', 'a', 'abc', 'a: abc # c\n'],
    ['a: &A !!int 3\nb: *A\n', 'a', 4, 'a: &A 4\nb: *A\n'],
    ['a: !!int &A 3\nb: *A\n', 'a', 4, 'a: &A 4\nb: *A\n'],
    ['s: [1, !!str 2]\n', 's.1', 3, 's: [1, 3]\n'],
  ])('drops an explicit tag on the value it replaces (%j), so the new value keeps its own type', (text, key, value, want) => {
    const after = setYamlKey(text, 'params.yaml', key, value);
    expect(after).toBe(want);
    const back = parseYaml(after, 'params.yaml') as Record<string, unknown>;
    expect(key === 's.1' ? (back.s as unknown[])[1] : back.a).toBe(value);
  });
});
