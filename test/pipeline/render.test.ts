import { describe, expect, it } from 'vitest';
import { dagJson, renderDag } from '../../src/pipeline/index.js';
import { parse } from '../helpers/pipeline.js';

const p = parse(`stages:
  prepare:
    cmd: x
    deps: [raw.csv]
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
`);

describe('renderDag', () => {
  it('json: the documented shape', () => {
    expect(dagJson(p)).toEqual({
      stages: [
        { name: 'prepare', deps: ['raw.csv'], outs: ['data'], upstream: [] },
        { name: 'train@small', deps: ['data'], outs: ['models/small.bin'], upstream: ['prepare'] },
        { name: 'train@large', deps: ['data'], outs: ['models/large.bin'], upstream: ['prepare'] },
        { name: 'evaluate', deps: ['models'], outs: ['eval.json'], upstream: ['train@small', 'train@large'] },
      ],
      edges: [
        { from: 'prepare', to: 'train@small' },
        { from: 'prepare', to: 'train@large' },
        { from: 'train@small', to: 'evaluate' },
        { from: 'train@large', to: 'evaluate' },
      ],
    });
    expect(JSON.parse(renderDag(p, 'json'))).toEqual(dagJson(p));
  });

  it('ascii', () => {
    expect(renderDag(p, 'ascii')).toBe(
      ['[1] prepare', '[2] train@small  <- prepare', '    train@large  <- prepare', '[3] evaluate     <- train@small, train@large'].join(
        '\n',
      ),
    );
    expect(renderDag(parse('stages: {}\n'), 'ascii')).toBe('(no stages)');
  });

  it('mermaid', () => {
    expect(renderDag(p, 'mermaid')).toBe(
      [
        'flowchart TD',
        '  s0["prepare"]',
        '  s1["train@small"]',
        '  s2["train@large"]',
        '  s3["evaluate"]',
        '  s0 --> s1',
        '  s0 --> s2',
        '  s1 --> s3',
        '  s2 --> s3',
      ].join('\n'),
    );
  });

  it('dot', () => {
    expect(renderDag(p, 'dot')).toBe(
      [
        'digraph pipeline {',
        '  rankdir=TB;',
        '  node [shape=box];',
        '  "prepare";',
        '  "train@small";',
        '  "train@large";',
        '  "evaluate";',
        '  "prepare" -> "train@small";',
        '  "prepare" -> "train@large";',
        '  "train@small" -> "evaluate";',
        '  "train@large" -> "evaluate";',
        '}',
      ].join('\n'),
    );
  });
});
