import { describe, expect, it } from 'vitest';
import { parsePipeline } from '../../src/pipeline/index.js';
import { ParseMemo } from '../../src/pipeline/memo.js';
import { expectCode, reproError } from '../helpers/errors.js';
import { names, parse } from '../helpers/pipeline.js';

/** `stages:` from `name: [deps] -> [outs]` lines, each stage on consecutive lines. */
function pipeline(spec: [string, string[], string[]][]): string {
  let y = 'stages:\n';
  for (const [name, deps, outs] of spec) {
    y += `  ${name}:\n    cmd: run\n    deps: [${deps.join(', ')}]\n    outs: [${outs.join(', ')}]\n`;
  }
  return y;
}

describe('stage graph', () => {
  it('orders upstream first, ties by declaration order', () => {
    const p = parse(
      pipeline([
        ['report', ['m/a.json', 'm/b.json'], ['report.md']],
        ['b', ['data/clean.csv'], ['m/b.json']],
        ['clean', ['raw.csv'], ['data/clean.csv']],
        ['a', ['data/clean.csv'], ['m/a.json']],
        ['lonely', [], ['x']],
      ]),
    );
    // Ready stages are taken lowest declaration index first: report (0) is ready before lonely (4).
    expect(names(p)).toEqual(['clean', 'b', 'a', 'report', 'lonely']);
    expect(p.upstream.get('report')).toEqual(['b', 'a']);
    expect(p.downstream.get('clean')).toEqual(['b', 'a']);
    expect(p.upstream.get('clean')).toEqual([]);
  });

  it('links a dep inside an output directory, and an output inside a dep directory', () => {
    const p = parse(
      pipeline([
        ['make', [], ['data/']],
        ['use', ['data/part/1.csv'], ['u']],
        ['piece', [], ['models/m.bin']],
        ['all', ['models'], ['z']],
      ]),
    );
    expect(p.upstream.get('use')).toEqual(['make']);
    expect(p.upstream.get('all')).toEqual(['piece']);
    expect(p.outOwner).toEqual(
      new Map([
        ['data', 'make'],
        ['u', 'use'],
        ['models/m.bin', 'piece'],
        ['z', 'all'],
      ]),
    );
  });

  it('does not confuse sibling prefixes', () => {
    const p = parse(
      pipeline([
        ['a', [], ['data']],
        ['b', ['data-2/x', 'dat'], ['y']],
      ]),
    );
    expect(p.upstream.get('b')).toEqual([]);
  });

  it('reports a cycle with its path and the closing dep', () => {
    const e = reproError(() =>
      parse(
        pipeline([
          ['a', ['c.out'], ['a.out']],
          ['b', ['a.out'], ['b.out']],
          ['c', ['b.out'], ['c.out']],
          ['d', ['a.out'], ['d.out']],
        ]),
      ),
    );
    expect(e.code).toBe('E_CYCLE');
    expect(e.message).toContain('a -> b -> c -> a');
    expect(e.pos).toMatchObject({ line: 4, col: 12 }); // a's dep on c.out
  });

  it('rejects two stages writing one output', () => {
    const e = reproError(() =>
      parse(
        pipeline([
          ['a', [], ['x.bin']],
          ['b', [], ['y', 'x.bin']],
        ]),
      ),
    );
    expect(e.code).toBe('E_DUPLICATE_OUT');
    expect(e.message).toMatch(/'a'.*'b'/);
    expect(e.pos).toMatchObject({ line: 9, col: 15 });
  });

  it('rejects nested outputs, across stages and within one', () => {
    const across = reproError(() =>
      parse(
        pipeline([
          ['a', [], ['data/sub/f']],
          ['b', [], ['data']],
        ]),
      ),
    );
    expect(across.code).toBe('E_DUPLICATE_OUT');
    expect(across.message).toMatch(/'a'.*'b'/);
    expect(across.pos).toMatchObject({ line: 5, col: 12 });
    const within = reproError(() => parse(pipeline([['a', [], ['out', 'out/f']]])));
    expect(within).toMatchObject({ code: 'E_DUPLICATE_OUT', pos: { line: 5, col: 17 } });
    const matrix = reproError(() => parse('stages:\n  t:\n    matrix: {m: [a, b]}\n    cmd: x\n    outs: [same.bin]\n'));
    expect(matrix).toMatchObject({ code: 'E_DUPLICATE_OUT', pos: { line: 5, col: 12 } });
  });

  it('rejects a stage depending on its own output', () => {
    expect(expectCode(() => parse(pipeline([['a', ['x'], ['x']]])), 'E_SELF_DEP')).toMatchObject({ pos: { line: 4, col: 12 } });
    expect(expectCode(() => parse(pipeline([['a', ['out/f'], ['out']]])), 'E_SELF_DEP')).toMatchObject({ pos: { line: 4, col: 12 } });
    expect(expectCode(() => parse(pipeline([['a', ['in', 'data'], ['data/x']]])), 'E_SELF_DEP')).toMatchObject({
      pos: { line: 4, col: 16 },
    });
    expectCode(() => parse(pipeline([['a', ['.'], ['x']]])), 'E_SELF_DEP');
  });

  it('builds the 200-stage fan-out/fan-in graph of the bench', () => {
    const spec: [string, string[], string[]][] = [['src', ['input.txt'], ['src.txt']]];
    for (let i = 1; i <= 198; i++) spec.push([`m${i}`, ['src.txt'], [`mid/m${i}.txt`]]);
    spec.push(['sink', spec.slice(1).map((s) => s[2][0]!), ['final.txt']]);
    const text = pipeline(spec);
    // Its speed is measured by `npm run bench` (no-op run), never asserted here.
    const memo = ParseMemo.inMemory();
    const p = parsePipeline(text, 'repro.yaml', { root: '/r', readParams: () => undefined, memo });
    expect(p.stages.length).toBe(200);
    expect(p.upstream.get('sink')!.length).toBe(198);
    expect(p.stages[0]!.name).toBe('src');
    expect(p.stages[199]!.name).toBe('sink');
  });
});
