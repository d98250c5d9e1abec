import { describe, expect, it } from 'vitest';
import { expectCode, reproError } from '../helpers/errors.js';
import { parse } from '../helpers/pipeline.js';

/** Unknown keys: E_UNKNOWN_KEY at the key itself, with the nearest valid key as a hint. */
describe('unknown keys', () => {
  it('at the top level', () => {
    const e = reproError(() => parse('version: 1\nstagse:\n  a:\n    cmd: x\n'));
    expect(e.code).toBe('E_UNKNOWN_KEY');
    expect(e.pos).toMatchObject({ line: 2, col: 1 });
    expect(e.hint).toBe("did you mean 'stages'?");
    expect(e.message).toMatch(/^repro\.yaml:2:1: unknown key 'stagse'/);
  });

  it('in a stage, with a transposition', () => {
    const e = reproError(() => parse('stages:\n  train:\n    cmd: x\n    dpes: [a]\n'));
    expect(e).toMatchObject({ code: 'E_UNKNOWN_KEY', pos: { line: 4, col: 5 }, hint: "did you mean 'deps'?" });
  });

  it('suggests from synonyms other tools use', () => {
    const e = reproError(() => parse('stages:\n  train:\n    command: x\n'));
    expect(e).toMatchObject({ code: 'E_UNKNOWN_KEY', pos: { line: 3, col: 5 }, hint: "did you mean 'cmd'?" });
    expect(reproError(() => parse('stages:\n  t:\n    cmd: x\n    outputs: [a]\n')).hint).toBe("did you mean 'outs'?");
  });

  it('lists the valid keys when nothing is close', () => {
    const e = reproError(() => parse('stages:\n  t:\n    cmd: x\n    zzzzzzzz: 1\n'));
    expect(e.code).toBe('E_UNKNOWN_KEY');
    expect(e.hint).toMatch(/^valid keys: cmd, deps, outs/);
  });

  it('in env, checks, out options and matrix bodies', () => {
    expect(expectCode(() => parse('env:\n  captrue: [A]\n'), 'E_UNKNOWN_KEY')).toMatchObject({
      pos: { line: 2, col: 3 },
      hint: "did you mean 'capture'?",
    });
    expect(expectCode(() => parse('checks:\n  "m.json:a": {mni: 1}\n'), 'E_UNKNOWN_KEY')).toMatchObject({
      pos: { line: 2, col: 16 },
      hint: "did you mean 'min'?",
    });
    expect(expectCode(() => parse('stages:\n  t:\n    cmd: x\n    outs:\n      - m.bin: {cahce: false}\n'), 'E_UNKNOWN_KEY')).toMatchObject(
      {
        pos: { line: 5, col: 17 },
        hint: "did you mean 'cache'?",
      },
    );
    expect(expectCode(() => parse('stages:\n  t:\n    matrix: {a: [1]}\n    cmd: x\n    parms: [a]\n'), 'E_UNKNOWN_KEY')).toMatchObject({
      pos: { line: 5, col: 5 },
      hint: "did you mean 'params'?",
    });
  });

  it('in foreach stages: body keys belong under do', () => {
    const e = reproError(() => parse('stages:\n  t:\n    foreach: [a]\n    cmd: x\n'));
    expect(e).toMatchObject({ code: 'E_UNKNOWN_KEY', pos: { line: 4, col: 5 }, hint: "with foreach, 'cmd' goes under 'do:'" });
    const inDo = reproError(() => parse('stages:\n  t:\n    foreach: [a]\n    do:\n      cmd: x\n      metircs: [m]\n'));
    expect(inDo).toMatchObject({ code: 'E_UNKNOWN_KEY', pos: { line: 6, col: 7 }, hint: "did you mean 'metrics'?" });
  });
});

describe('unknown keys: expansion keys', () => {
  it('suggests matrix and foreach', () => {
    expect(expectCode(() => parse('stages:\n  t:\n    matirx: {a: [1]}\n    cmd: x\n'), 'E_UNKNOWN_KEY')).toMatchObject({
      hint: "did you mean 'matrix'?",
    });
    expect(expectCode(() => parse('stages:\n  t:\n    for_each: [1]\n    cmd: x\n'), 'E_UNKNOWN_KEY')).toMatchObject({
      hint: "did you mean 'foreach'?",
    });
  });
});

describe('long user text in errors', () => {
  const long = 'k'.repeat(100_000);
  const short = (e: { message: string; hint?: string }) => {
    expect(e.message.length).toBeLessThan(300);
    expect((e.hint ?? '').length).toBeLessThan(300);
    expect(e.message).toMatch(/k{70,79}…'/);
  };

  it('is shortened with an ellipsis: keys, stage names, values, interpolations', () => {
    short(reproError(() => parse(`stages:\n  t:\n    cmd: x\n    ${long}: 1\n`)));
    short(reproError(() => parse(`${long}: 1\nstages: {}\n`)));
    short(reproError(() => parse(`stages:\n  "${long} x":\n    cmd: x\n`)));
    short(reproError(() => parse(`stages:\n  t:\n    cmd: x\n    seed: ${long}\n`)));
    short(reproError(() => parse(`stages:\n  t:\n    cmd: echo \${${long}}\n`)));
    short(reproError(() => parse(`stages:\n  t:\n    cmd: echo \${${long}\n`)));
    short(reproError(() => parse(`version: ${long}\nstages: {}\n`)));
  });

  it('in YAML errors: duplicate keys', () => {
    const key = 'k'.repeat(1000); // YAML's limit for a plain key is 1024 characters
    short(reproError(() => parse(`stages:\n  t:\n    cmd: x\n    ${key}: 1\n    ${key}: 2\n`)));
  });
});
