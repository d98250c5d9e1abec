import { describe, expect, it } from 'vitest';
import { decodeText } from '../../src/core/text.js';
import { parseYaml, parseYamlData, parseYamlTree, setYamlKey } from '../../src/core/yaml.js';
import { parseSimpleYaml } from '../../src/core/yaml-fast.js';
import { reproError } from '../helpers/errors.js';

/** code, "line:col", message and hint of the ReproError `fn` throws. */
function err(fn: () => unknown) {
  const e = reproError(fn);
  return { code: e.code, at: e.pos && `${e.pos.line}:${e.pos.col}`, message: e.message, hint: e.hint };
}

describe('decodeText', () => {
  it('decodes UTF-8 and drops a byte-order mark', () => {
    expect(decodeText(Buffer.from('a: é ✓ 𝄞\n'), 'f')).toBe('a: é ✓ 𝄞\n');
    expect(decodeText(Buffer.from([0xef, 0xbb, 0xbf, 0x61]), 'f')).toBe('a');
  });

  it.each([
    ['a Latin-1 byte', [0x61, 0x0a, 0x62, 0xe9, 0x0a], '2:2', '0xE9'],
    ['a lone continuation byte', [0x80], '1:1', '0x80'],
    ['an overlong encoding', [0x61, 0xc0, 0xaf], '1:2', '0xC0'],
    ['a UTF-16 surrogate', [0xed, 0xa0, 0x80], '1:1', '0xED'],
    ['a truncated sequence at the end', [0x0a, 0x0a, 0xc3, 0xa9, 0xe2, 0x9c], '3:2', '0xE2'],
    ['a code point past U+10FFFF', [0xf4, 0x90, 0x80, 0x80], '1:1', '0xF4'],
  ])('rejects %s at its line:col', (_what, bytes, at, byte) => {
    const e = err(() => decodeText(Uint8Array.from(bytes), 'params.yaml'));
    expect(e).toMatchObject({ code: 'E_CONFIG', at });
    expect(e.message).toContain(`'params.yaml' is not valid UTF-8 (byte ${byte})`);
    expect(e.hint).toContain('UTF-8');
  });
});

describe('library errors, reworded and positioned', () => {
  it('parseYaml (lock and metrics files) names line:col and rewords aliases', () => {
    expect(err(() => parseYaml('a: 1\nb: *x\n', 'repro.lock'))).toMatchObject({
      code: 'E_YAML',
      at: '2:4',
      message: expect.stringContaining("unresolved alias '*x'"),
    });
    let bomb = 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
    for (let i = 1; i <= 4; i++)
      bomb += `a${i}: &a${i} [${Array(10)
        .fill(`*a${i - 1}`)
        .join(', ')}]\n`;
    expect(err(() => parseYaml(bomb, 'm.yaml'))).toMatchObject({
      code: 'E_YAML',
      message: expect.stringContaining('excessive alias count'),
    });
    expect(err(() => parseYaml('a: 1\n---\nb: 2\n', 'm.yaml')).message).toContain("'m.yaml' holds more than one YAML document");
    expect(err(() => parseYaml(`a: ${'['.repeat(5000)}\n`, 'm.yaml'))).toMatchObject({
      code: 'E_CONFIG',
      at: '1:503',
      message: expect.stringContaining('nested too deeply'),
    });
  });

  it('points at the opening of an unclosed flow collection, the outer one when both are open', () => {
    expect(err(() => parseYamlData('a: 1\nb: {x: 1\nc: 2\n', 'p.yaml'))).toMatchObject({
      at: '2:4',
      message: expect.stringContaining("'{' is not closed"),
    });
    expect(err(() => parseYamlData('a: [1, [2, 3]\n', 'p.yaml'))).toMatchObject({ at: '1:4' });
  });

  it('falls back to the library message with a generic hint', () => {
    expect(err(() => parseYamlData('a: b: c\n', 'p.yaml'))).toMatchObject({
      code: 'E_YAML',
      at: '1:4',
      hint: expect.stringContaining('indentation'),
    });
  });

  it('setYamlKey reports where the text is broken', () => {
    expect(err(() => setYamlKey('a: 1\nb:\n\tc: 2\n', 'params.yaml', 'a', 2))).toMatchObject({ code: 'E_YAML', at: '3:1' });
  });

  it('parseYamlTree rejects a value nested past the limit at its position', () => {
    const text = `a:\n${Array.from({ length: 502 }, (_, i) => `${' '.repeat(i + 1)}- `).join('\n')}x\n`;
    const e = err(() => parseYamlTree(text, 'f.yaml'));
    expect(e).toMatchObject({ code: 'E_CONFIG', message: expect.stringContaining('nested too deeply') });
  });
});

describe('parseSimpleYaml: deep indentation is left to the library', () => {
  it('declines a block nested past 200 columns', () => {
    let text = '';
    for (let i = 0; i < 120; i++) text += `${'  '.repeat(i)}k${i}:\n`;
    text += `${'  '.repeat(120)}v: 1\n`;
    expect(parseSimpleYaml(text, 'f.yaml', (s) => s)).toBeUndefined();
    expect(parseSimpleYaml('a:\n  b:\n    c: 1\n', 'f.yaml', (s) => s)).toBeDefined();
  });
});

describe('clip', () => {
  it('keeps short text and cuts long text to the limit with an ellipsis, whole code points only', async () => {
    const { clip } = await import('../../src/core/text.js');
    expect(clip('abc')).toBe('abc');
    expect(clip('a'.repeat(80))).toBe('a'.repeat(80));
    expect(clip('a'.repeat(81))).toBe(`${'a'.repeat(79)}…`);
    expect(clip('abcdef', 4)).toBe('abc…');
    expect(clip('ab😀cd', 4)).toBe('ab…'); // the emoji's surrogate pair is not split
  });

  it('shortens a long duplicate key and value the YAML readers echo', () => {
    const long = 'k'.repeat(1000); // an implicit key may hold at most 1024 characters
    for (const fast of [true, false]) {
      const e = err(() => parseYamlTree(`${long}: 1\n${long}: 2\n`, 'p.yaml', { fast }));
      expect(e.code).toBe('E_YAML');
      expect(e.message.length).toBeLessThan(300);
    }
    expect(err(() => parseYamlData(`b: *${'a'.repeat(500)}\n`, 'p.yaml')).message).toMatch(
      /^p\.yaml:1:4: invalid YAML: unresolved alias '\*a{79}…'$/,
    );
    // A library message that quotes the source is cut too.
    expect(err(() => parseYamlTree(`${'k'.repeat(100_000)}: 1\n`, 'p.yaml', { fast: false })).message.length).toBeLessThan(300);
  });
});
