import { describe, expect, it } from 'vitest';
import { getParam, resolveParamValues, setParam } from '../../src/pipeline/index.js';
import { reproError } from '../helpers/errors.js';
import { parse } from '../helpers/pipeline.js';

describe('getParam', () => {
  const obj = { train: { lr: 0.1, layers: [{ size: 8 }, { size: 16 }], nothing: null }, 'a.b': 1, a: { c: 2 } };

  it('follows dotted keys and list indices', () => {
    expect(getParam(obj, 'train.lr')).toEqual({ found: true, value: 0.1 });
    expect(getParam(obj, 'train.layers.1.size')).toEqual({ found: true, value: 16 });
    expect(getParam(obj, 'train.nothing')).toEqual({ found: true, value: null });
    expect(getParam(obj, 'train')).toEqual({ found: true, value: obj.train });
    expect(getParam(obj, '')).toEqual({ found: true, value: obj });
  });

  it('finds keys that contain dots, and falls back to splitting', () => {
    expect(getParam(obj, 'a.b')).toEqual({ found: true, value: 1 });
    expect(getParam(obj, 'a.c')).toEqual({ found: true, value: 2 });
  });

  it('reports missing keys', () => {
    for (const k of ['train.lrr', 'train.layers.2', 'train.layers.x', 'train.lr.x', 'nope', 'train.layers.01']) {
      expect([k, getParam(obj, k).found]).toEqual([k, false]);
    }
    expect(getParam(undefined, '').found).toBe(false);
    expect(getParam({ toString: 1 }, 'constructor').found).toBe(false);
  });
});

describe('setParam', () => {
  it('returns a copy with the key set, creating maps', () => {
    const obj = { a: { b: 1 }, l: [1, 2] };
    expect(setParam(obj, 'a.b', 2)).toEqual({ a: { b: 2 }, l: [1, 2] });
    expect(setParam(obj, 'x.y', 3)).toEqual({ a: { b: 1 }, l: [1, 2], x: { y: 3 } });
    expect(setParam(obj, 'l.1', 5)).toEqual({ a: { b: 1 }, l: [1, 5] });
    expect(setParam(undefined, 'k', 1)).toEqual({ k: 1 });
    expect(obj).toEqual({ a: { b: 1 }, l: [1, 2] });
  });
});

describe('resolveParamValues', () => {
  const yaml = `stages:
  train:
    cmd: x
    params:
      - train.lr
      - prep
      - other.yaml: [a, b.c]
      - whole.yaml:
`;
  const files: Record<string, unknown> = {
    'params.yaml': { train: { lr: 0.1, epochs: 3 }, prep: { split: 0.2 } },
    'other.yaml': { a: 1, b: { c: [1, 2] } },
    'whole.yaml': { z: 1 },
  };
  const stage = parse(yaml).stages[0]!;

  it('returns file → dotted key → value, with "" for a whole file', () => {
    expect(resolveParamValues(stage, (f) => files[f])).toEqual({
      'params.yaml': { 'train.lr': 0.1, prep: { split: 0.2 } },
      'other.yaml': { a: 1, 'b.c': [1, 2] },
      'whole.yaml': { '': { z: 1 } },
    });
  });

  it('names the stage, file and key of a missing param, with a hint', () => {
    const e = reproError(() => resolveParamValues(stage, (f) => (f === 'params.yaml' ? { train: { lrr: 1 }, prep: {} } : files[f])));
    expect(e).toMatchObject({ code: 'E_CONFIG', pos: { line: 5, col: 9 }, hint: "did you mean 'train.lrr'?" });
    expect(e.message).toMatch(/'train\.lr'.*'train'.*'params\.yaml'/);
  });

  it('reports a missing params file at the declaring node', () => {
    const e = reproError(() => resolveParamValues(stage, (f) => (f === 'other.yaml' ? undefined : files[f])));
    expect(e).toMatchObject({ code: 'E_NOT_FOUND', pos: { line: 7, col: 22 } });
  });
});
