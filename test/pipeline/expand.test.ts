import { describe, expect, it } from 'vitest';
import { expectCode, reproError } from '../helpers/errors.js';
import { names, parse } from '../helpers/pipeline.js';

describe('matrix', () => {
  it('expands the cartesian product in axis order, first axis outermost', () => {
    const p = parse(`stages:
  train:
    matrix: {model: [small, large], lr: [0.1, 0.2]}
    cmd: train --model \${item.model} --lr \${item.lr} --tag \${key}
    outs: [models/\${item.model}-\${item.lr}.bin]
`);
    expect(names(p)).toEqual(['train@small-0.1', 'train@small-0.2', 'train@large-0.1', 'train@large-0.2']);
    expect(p.stages.every((s) => s.group === 'train')).toBe(true);
    expect(p.byName.get('train@large-0.1')!.cmd).toEqual(['train --model large --lr 0.1 --tag large-0.1']);
    expect(p.byName.get('train@large-0.1')!.outs[0]!.path).toBe('models/large-0.1.bin');
  });

  it('names non-scalar values by axis and index, and takes axes from vars', () => {
    const p = parse(`vars: { models: [a, b] }
stages:
  t:
    matrix: { model: \${models}, cfg: [{depth: 2}, {depth: 4}] }
    cmd: run \${item.model} \${item.cfg.depth}
`);
    expect(names(p)).toEqual(['t@a-cfg0', 't@a-cfg1', 't@b-cfg0', 't@b-cfg1']);
    expect(p.byName.get('t@b-cfg1')!.cmd).toEqual(['run b 4']);
  });

  it('rejects empty axes, bad names and duplicates', () => {
    expect(expectCode(() => parse('stages:\n  t:\n    matrix: {m: []}\n    cmd: x\n'), 'E_CONFIG')).toMatchObject({
      pos: { line: 3, col: 17 },
    });
    expect(expectCode(() => parse('stages:\n  t:\n    matrix: {}\n    cmd: x\n'), 'E_CONFIG')).toMatchObject({
      pos: { line: 3, col: 13 },
    });
    expect(expectCode(() => parse('stages:\n  t:\n    matrix: {m: [a/b]}\n    cmd: x\n'), 'E_CONFIG')).toMatchObject({
      pos: { line: 3, col: 17 },
    });
    expect(expectCode(() => parse('stages:\n  t:\n    matrix: {m: [a, a]}\n    cmd: x\n'), 'E_CONFIG')).toMatchObject({
      pos: { line: 3, col: 13 },
    });
    expect(expectCode(() => parse('stages:\n  t:\n    matrix: {m: [a]}\n    foreach: [a]\n    cmd: x\n'), 'E_CONFIG')).toMatchObject({
      pos: { line: 3, col: 13 },
    });
  });
});

describe('foreach / do', () => {
  it('expands a list with ${item}', () => {
    const p = parse(`stages:
  prep:
    foreach: [us, eu]
    do:
      cmd: prep \${item}
      outs: [data/\${item}.csv]
`);
    expect(names(p)).toEqual(['prep@us', 'prep@eu']);
    expect(p.byName.get('prep@eu')!.outs[0]!.path).toBe('data/eu.csv');
  });

  it('expands a map with ${key} and ${item}', () => {
    const p = parse(`stages:
  fit:
    foreach:
      small: { lr: 0.1 }
      large: { lr: 0.01 }
    do:
      cmd: fit \${key} --lr \${item.lr}
`);
    expect(names(p)).toEqual(['fit@small', 'fit@large']);
    expect(p.byName.get('fit@large')!.cmd).toEqual(['fit large --lr 0.01']);
  });

  it('names list items that are maps by index, and takes the list from vars', () => {
    const p = parse(`vars: { runs: [{n: 1}, {n: 2}] }
stages:
  r:
    foreach: \${runs}
    do: { cmd: "run \${item.n}" }
`);
    expect(names(p)).toEqual(['r@0', 'r@1']);
    expect(p.byName.get('r@1')!.cmd).toEqual(['run 2']);
  });

  it('rejects foreach without do, do without foreach, and non-collections', () => {
    expect(expectCode(() => parse('stages:\n  t:\n    foreach: [a]\n'), 'E_CONFIG')).toMatchObject({ pos: { line: 3, col: 14 } });
    expect(expectCode(() => parse('stages:\n  t:\n    cmd: x\n    do: {cmd: y}\n'), 'E_CONFIG')).toMatchObject({
      pos: { line: 4, col: 5 },
    });
    expect(expectCode(() => parse('stages:\n  t:\n    foreach: 3\n    do: {cmd: y}\n'), 'E_CONFIG')).toMatchObject({
      pos: { line: 3, col: 14 },
    });
    expect(expectCode(() => parse('stages:\n  t:\n    foreach: [a, a]\n    do: {cmd: y}\n'), 'E_CONFIG')).toMatchObject({
      pos: { line: 3, col: 14 },
    });
  });
});

describe('${...} in foreach and matrix data', () => {
  it('is resolved against vars and params, nested values included, before ${item} uses it', () => {
    const p = parse(
      `vars: { root: data }
stages:
  build:
    foreach:
      - { src: "\${root}/a.csv", n: "\${epochs}" }
      - { src: "\${root}/b.csv", n: 1 }
    do: { cmd: "cat \${item.src} \${item.n}" }
  fit:
    matrix: { model: ["\${root}-small"], depth: ["\${epochs}"] }
    cmd: fit \${item.model} \${item.depth} \${key}
  esc:
    foreach: ["\\\\\${HOME}"]
    do: { cmd: "echo \${item}" }
`,
      { 'params.yaml': { epochs: 3 } },
    );
    expect(p.byName.get('build@0')!.cmd).toEqual(['cat data/a.csv 3']);
    expect(p.byName.get('build@1')!.cmd).toEqual(['cat data/b.csv 1']);
    expect(names(p)).toContain('fit@data-small-3');
    expect(p.byName.get('fit@data-small-3')!.cmd).toEqual(['fit data-small 3 data-small-3']);
    expect(p.stages.find((s) => s.group === 'esc')!.cmd).toEqual(['echo ${HOME}']);
  });

  it('rejects an unknown name, and item/key/seed, in the data', () => {
    expect(
      expectCode(() => parse('stages:\n  b:\n    foreach: [{src: "${nope}/a"}]\n    do: {cmd: x}\n'), 'E_INTERPOLATION'),
    ).toMatchObject({
      pos: { line: 3, col: 21 },
    });
    const e = reproError(() => parse('stages:\n  b:\n    foreach: [{src: "${item}/a"}]\n    do: {cmd: x}\n'));
    expect(e).toMatchObject({ code: 'E_INTERPOLATION', message: expect.stringContaining("foreach of stage 'b' uses '${item}'") });
  });
});

describe('errors in a generated stage', () => {
  it('name the stage, not only the shared line', () => {
    const e = reproError(() => parse('stages:\n  build:\n    foreach: [{a: 1}, {b: 2}]\n    do: {cmd: "run ${item.a}"}\n'));
    expect(e).toMatchObject({ code: 'E_INTERPOLATION', pos: { line: 4, col: 15 } });
    expect(e.message).toContain("in stage 'build@1': 'item.a' not found");
    expect(e.hint).toBe("did you mean 'item.b'?");
  });
});
