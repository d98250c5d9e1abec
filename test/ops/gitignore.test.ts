import { describe, it, expect } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repro, tempRepos } from '../helpers/repo.js';
import { syncBlock } from '../../src/ops/run/gitignore.js';

/** repro's block of output lines in the root .gitignore: kept exact, the user's lines never touched. */

const MARKER = '# outputs of repro stages (kept in the repro cache, not in Git)';
const END = '# end of repro outputs: repro run rewrites the lines between these comments';

describe('syncBlock', () => {
  it('adds a block after the user lines, without lines the user already has', () => {
    expect(syncBlock('*.log\nb.txt\n', ['/a.txt', '/b.txt'])).toBe(`*.log\nb.txt\n${MARKER}\n/a.txt\n${END}\n`);
    expect(syncBlock('', [])).toBe('');
    expect(syncBlock('*.log', [])).toBe('*.log');
  });

  it('drops the lines of outputs no longer declared, only inside the block', () => {
    const text = `/keep-mine\n${MARKER}\n/a.txt\n/b.txt\n${END}\n/b.txt.user\n`;
    expect(syncBlock(text, ['/a.txt'])).toBe(`/keep-mine\n${MARKER}\n/a.txt\n${END}\n/b.txt.user\n`);
  });

  it('removes the block when no output is left, and keeps /.repro and non-path lines inside it', () => {
    expect(syncBlock(`mine\n${MARKER}\n/a.txt\n${END}\n`, [])).toBe('mine\n');
    expect(syncBlock(`${MARKER}\n/.repro\n*.tmp\n/a.txt\n${END}\n`, [])).toBe(`${MARKER}\n/.repro\n*.tmp\n${END}\n`);
  });

  it('a block without the end marker (older repro) is closed, not pruned', () => {
    const text = `${MARKER}\n/old.txt\n/a.txt\n\n# mine\n/secret\n`;
    expect(syncBlock(text, ['/a.txt', '/c.txt'])).toBe(`${MARKER}\n/old.txt\n/a.txt\n/c.txt\n${END}\n\n# mine\n/secret\n`);
  });

  it('is stable: a second sync changes nothing', () => {
    const once = syncBlock('x\n', ['/b', '/a']);
    expect(syncBlock(once, ['/a', '/b'])).toBe(once);
  });
});

describe('repro run and .gitignore', () => {
  const { repo } = tempRepos();
  const YAML = `version: 1
stages:
  a:
    cmd: echo a > a.txt
    outs: [a.txt]
  b:
    cmd: echo b > b.txt && echo c > c.txt
    outs: [b.txt, c.txt]
`;

  it("a removed stage's lines go on the next run; the user's lines stay", async () => {
    const d = await repo({ 'repro.yaml': YAML, '.gitignore': '*.log\n/c.txt\n' });
    expect((await repro(d, 'run')).code).toBe(0);
    const first = await readFile(join(d, '.gitignore'), 'utf8');
    expect(first).toBe(`*.log\n/c.txt\n${MARKER}\n/a.txt\n/b.txt\n${END}\n`);
    await writeFile(join(d, 'repro.yaml'), YAML.replace(/ {2}b:[\s\S]*$/, ''));
    await writeFile(join(d, '.gitignore'), first + '/after-mine\n');
    expect((await repro(d, 'run')).code).toBe(0);
    expect(await readFile(join(d, '.gitignore'), 'utf8')).toBe(`*.log\n/c.txt\n${MARKER}\n/a.txt\n${END}\n/after-mine\n`);
  });

  it('an output that becomes git: true is no longer ignored', async () => {
    const d = await repo({ 'repro.yaml': YAML });
    expect((await repro(d, 'run')).code).toBe(0);
    await writeFile(join(d, 'repro.yaml'), YAML.replace('outs: [a.txt]', 'outs: [{a.txt: {git: true}}]'));
    expect((await repro(d, 'run')).code).toBe(0);
    expect(await readFile(join(d, '.gitignore'), 'utf8')).toBe(`${MARKER}\n/b.txt\n/c.txt\n${END}\n`);
  });

  it("repro init's /.repro line is the user's: a run never removes it", async () => {
    const d = await repo({ 'x.txt': 'x\n' });
    expect((await repro(d, 'init')).code).toBe(0);
    expect((await repro(d, 'run')).code).toBe(0);
    const text = await readFile(join(d, '.gitignore'), 'utf8');
    expect(text.split('\n')[0]).toBe('/.repro');
    expect(text).toContain(MARKER);
  });
});
