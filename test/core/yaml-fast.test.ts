import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseYamlTree, type PNode } from '../../src/core/yaml.js';
import { parseSimpleYaml } from '../../src/core/yaml-fast.js';

// The fast path (src/core/yaml-fast.ts) must give exactly the library's tree, positions included,
// or decline (undefined). Each case compares it with the library on the same text.

const root = join(import.meta.dirname, '..', '..');

type Outcome = { tree: PNode | null } | { error: string };
function library(text: string, interpolation = true): Outcome {
  try {
    return { tree: parseYamlTree(text, 'f.yaml', { interpolation, fast: false }) };
  } catch (e) {
    return { error: (e as Error).message };
  }
}
function fast(text: string): PNode | null | undefined {
  return parseSimpleYaml(text, 'f.yaml', (s) => s);
}

/** Asserts agreement; returns whether the fast path took the text. */
function agree(text: string): boolean {
  const f = fast(text);
  if (f === undefined) return false;
  const lib = library(text, false);
  expect(lib, `library failed where the fast path parsed:\n${text}`).not.toHaveProperty('error');
  expect(f, text).toEqual((lib as { tree: PNode | null }).tree);
  return true;
}

const TAKEN = [
  '',
  '# only a comment\n',
  'a: 1\n',
  'a:\nb: 2\n',
  'a:   # trailing comment\n  b: x\n',
  'version: 1\nstages:\n  train:\n    cmd: python train.py --lr 0.1 # comment\n    deps: [data.csv, "src/train.py", \'a b\']\n    outs:\n      - model.bin\n      - path: metrics/\n        cache: false\n',
  'list:\n- a\n- b\n',
  'list:\n  -\n    x: 1\n  - # empty item\n  - - nested\n    - seq\n',
  'nums: [1, -0, 0.5, .5, 1., 1e3, 2E-2, +7, 012, 10]\n',
  'bools: [true, True, TRUE, false, False, FALSE]\nnulls: [~, null, Null, NULL]\n',
  "quotes: ['it''s', \"say #not a comment\", 'a: b', \"[x]\"]\n",
  'cmd: echo "a # b"\n',
  'cmd: echo a#b c:d http://x/y?q=1\n',
  'key with spaces: value with spaces\n\'quoted key\': 1\n"dq": 2\n',
  'empty: []\nspaced: [ a ,b , c ]\n',
  'top:\n  - a: 1\n    b:\n      c: [x]\n  - a: 2\n',
  'unicode: héllo wörld ✓\n',
  'odd key-name.x: 1\n',
  '- a\n- b: 1\n',
  'a: 1   \n\n\n# end\n',
  'a : 1\n',
  'checks:\n  "m.json:acc": { min: 0.6, max_drop: 0.02 }\n  b: {}\n  c: {x: "1", \'y\': z}\n',
];

const DECLINED = [
  'a: &x 1\nb: *x\n',
  'a: !tag 1\n',
  'a: |\n  block\n',
  'a: >\n  folded\n',
  'a: plain\n  continued\n',
  'a: "multi\n  line"\n',
  'a: "esc\\n"\n',
  'a: 1\na: 2\n',
  'a:\n\tb: 1\n',
  'a: 1\r\nb: 2\r\n',
  '---\na: 1\n',
  'a: [1, 2,]\n',
  'a: 0x10\n',
  'a: .inf\n',
  'a: 1_000\n',
  'a: 12:30\n',
  '? complex\n: key\n',
  'just a scalar\n',
  'a: b: c\n',
  'a: [x\n',
  'a: {b: 1, b: 2}\n',
  'a: {b: {c: 1}}\n',
  'a: {b}\n',
  '  a: 1\nb: 2\n',
  'a:\n  b: 1\n c: 2\n',
  '1: one\n',
  'true: yes\n',
  'a: 99999999999999999999\n',
];

describe('parseSimpleYaml against the yaml library', () => {
  it.each(TAKEN)('takes and agrees: %j', (text) => {
    expect(agree(text)).toBe(true);
  });

  it.each(DECLINED)('declines: %j', (text) => {
    expect(fast(text)).toBeUndefined();
  });

  it('takes and agrees on the shipped templates and on every yaml block in the docs', () => {
    const texts: string[] = [];
    for (const dir of ['templates/default']) {
      for (const f of readdirSync(join(root, dir))) if (f.endsWith('.yaml')) texts.push(readFileSync(join(root, dir, f), 'utf8'));
    }
    for (const doc of ['README.md', ...readdirSync(join(root, 'docs')).map((f) => join('docs', f))]) {
      const md = readFileSync(join(root, doc), 'utf8');
      for (const m of md.matchAll(/```yaml\n([\s\S]*?)```/g)) texts.push(m[1]!);
    }
    expect(texts.length).toBeGreaterThanOrEqual(5);
    let taken = 0;
    for (const t of texts) if (agree(t)) taken++;
    // The templates at least are plain YAML: the fast path must take them.
    expect(taken).toBeGreaterThanOrEqual(2);
  });

  it('agrees on a generated 200-stage pipeline with ${} in flow lists (the bench shape)', () => {
    let text =
      'version: 1\nvars:\n  n: 3\nstages:\n  src:\n    cmd: sort -k3 input.txt > src.txt\n    deps: [input.txt]\n    outs: [src.txt]\n';
    for (let i = 1; i <= 198; i++) {
      const o = `mid/m${String(i).padStart(3, '0')}.txt`;
      text += `  m${i}:\n    cmd: mkdir -p mid && { echo ${i}; sha256sum src.txt; } > ${o}\n    deps: [src.txt, \${vars.n}]\n    outs: [${o}]\n`;
    }
    const protectedText = text.replace(/\$\{([^{}\n]*)\}/g, (_m, inner: string) => '$\uE000' + inner + '\uE001');
    const restore = (s: string) => s.replaceAll('\uE000', '{').replaceAll('\uE001', '}');
    const f = parseSimpleYaml(protectedText, 'f.yaml', restore);
    expect(f).toBeDefined();
    expect(f).toEqual(parseYamlTree(text, 'f.yaml', { interpolation: true, fast: false }));
    expect(parseYamlTree(text, 'f.yaml', { interpolation: true })).toEqual(f);
  });

  it('never takes what the library rejects, and agrees on what it takes (generated documents)', () => {
    // A small deterministic generator over the constructs the fast path knows and near misses.
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
      return (seed >>> 16) % n; // the low bits of this generator cycle fast: use the high ones
    };
    const pick = <T>(xs: T[]) => xs[rnd(xs.length)]!;
    const good = [
      'a',
      'b c',
      '1',
      '-1',
      '1.5',
      'true',
      'null',
      '~',
      '',
      "'q'",
      '"d"',
      "'it''s'",
      'x # c',
      'x#y',
      'a:b',
      '[1, 2]',
      '[a, "b", -3]',
      '[]',
      '[ x ]  # c',
      'http://h',
      '1e2',
      '.5',
      'é',
      '-x',
      '"a # b"',
      'echo "x # y"',
    ];
    const bad = ['a: b', '{a: 1}', '&a x', '*a', '"un', "'un", '@x', '`x', '%x', '- x', '0o7', '[a,]', '!t x', '|'];
    const goodKeys = ['a', 'b', 'c', 'd', 'e', 'k k', '"q"', "'s'", 'x-y', 'c.d', 'f', 'g'];
    const badKeys = ['a', '1', '#c', '-k', '?k'];
    const sometimes = <T>(ok: T[], not: T[]) => (rnd(40) === 0 ? pick(not) : pick(ok));
    const gen = (depth: number, indent: number): string => {
      const pad = ' '.repeat(indent);
      const n = 1 + rnd(3);
      let out = '';
      const asSeq = rnd(3) === 0;
      const used = new Set<string>(); // distinct keys per map, but for the rare bad pick
      for (let i = 0; i < n; i++) {
        let key = sometimes(goodKeys, badKeys);
        while (used.has(key) && rnd(40) !== 0) key = pick(goodKeys);
        used.add(key);
        const head = asSeq ? `${pad}-` : `${pad}${key}:`;
        if (depth > 0 && rnd(2) === 0) out += `${head}${rnd(4) === 0 ? ' # c' : ''}\n${gen(depth - 1, indent + pick([2, 2, 4, 1]))}`;
        else out += `${head}${rnd(6) === 0 ? '' : ' ' + sometimes(good, bad)}\n`;
        if (rnd(8) === 0) out += `${pad}# comment\n`;
        if (rnd(12) === 0) out += '\n';
      }
      return out;
    };
    let taken = 0;
    for (let i = 0; i < 3000; i++) {
      const text = gen(3, 0);
      const f = fast(text);
      if (f === undefined) continue;
      taken++;
      const lib = library(text, false);
      if ('error' in lib) throw new Error(`fast path took what the library rejects (${lib.error}):\n${text}`);
      expect(f, text).toEqual(lib.tree);
    }
    expect(taken).toBeGreaterThan(300);
  });
});
