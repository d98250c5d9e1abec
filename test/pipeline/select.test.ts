import { describe, expect, it } from 'vitest';
import { selectStages } from '../../src/pipeline/index.js';
import { expectCode, reproError } from '../helpers/errors.js';
import { names, parse } from '../helpers/pipeline.js';

const p = parse(`stages:
  prepare:
    cmd: x
    outs: [data/]
  train:
    matrix: {model: [small, large]}
    cmd: x
    deps: [data/]
    outs: [models/\${item.model}.bin]
  evaluate:
    cmd: x
    deps: [models/]
    metrics: [eval.json]
  other:
    cmd: x
`);

describe('selectStages', () => {
  it('selects everything for no targets', () => {
    expect(names(selectStages(p, []))).toEqual(names(p));
  });

  it('adds upstream stages, in topological order', () => {
    expect(names(selectStages(p, ['evaluate']))).toEqual(['prepare', 'train@small', 'train@large', 'evaluate']);
    expect(names(selectStages(p, ['train@large']))).toEqual(['prepare', 'train@large']);
    expect(names(selectStages(p, ['other', 'prepare']))).toEqual(['prepare', 'other']);
  });

  it('selects a group by its name', () => {
    expect(names(selectStages(p, ['train']))).toEqual(['prepare', 'train@small', 'train@large']);
  });

  it('selects the producer of an output path', () => {
    expect(names(selectStages(p, ['./models/small.bin']))).toEqual(['prepare', 'train@small']);
  });

  it('with downstream: the targets and everything after them', () => {
    expect(names(selectStages(p, ['train@small'], { downstream: true }))).toEqual(['train@small', 'evaluate']);
    expect(names(selectStages(p, ['prepare'], { downstream: true }))).toEqual(['prepare', 'train@small', 'train@large', 'evaluate']);
  });

  it('rejects an unknown target with a suggestion', () => {
    expect(expectCode(() => selectStages(p, ['trian']), 'E_NOT_FOUND')).toMatchObject({ hint: "did you mean 'train'?" });
    expect(expectCode(() => selectStages(p, ['train@smal']), 'E_NOT_FOUND')).toMatchObject({ hint: "did you mean 'train@small'?" });
    expect(reproError(() => selectStages(p, ['zzzzzz'])).hint).toContain('repro dag');
    expectCode(() => selectStages(p, ['../x']), 'E_NOT_FOUND');
  });
});
