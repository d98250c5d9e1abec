import { describe, it, expect } from 'vitest';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repro, tempRepos } from '../helpers/repo.js';

/**
 * `repro status` lists each stale stage with every reason: a changed key and what happened to
 * the outputs are reported together, not the first kind found.
 */

const { repo } = tempRepos();

const FILES = {
  'in.txt': 'hello\n',
  'params.yaml': 'n: 1\n',
  'repro.yaml': `version: 1
stages:
  a:
    cmd: cat in.txt > a.txt && cp a.txt a2.txt
    deps: [in.txt]
    params: [n]
    outs: [a.txt, a2.txt]
  b:
    cmd: cp a.txt b.txt
    deps: [a.txt]
    outs: [b.txt]
`,
};

async function stale(d: string): Promise<Record<string, { kind: string; path?: string }[]>> {
  const r = await repro(d, 'status', '--json');
  expect(r.code, r.stderr).toBe(0);
  return Object.fromEntries(JSON.parse(r.stdout).stale.map((s: { name: string; reasons: unknown }) => [s.name, s.reasons]));
}

async function ran(): Promise<string> {
  const d = await repo(FILES);
  const r = await repro(d, 'run');
  expect(r.code, r.stderr).toBe(0);
  return d;
}

describe('repro status: every reason', () => {
  it('a cmd change and a deleted output are both listed', async () => {
    const d = await ran();
    await writeFile(join(d, 'repro.yaml'), FILES['repro.yaml'].replace('cat in.txt > a.txt', 'cat in.txt in.txt > a.txt'));
    await rm(join(d, 'a2.txt'));
    const s = await stale(d);
    expect(s.a).toEqual([
      { kind: 'cmd', from: ['cat in.txt > a.txt && cp a.txt a2.txt'], to: ['cat in.txt in.txt > a.txt && cp a.txt a2.txt'] },
      { kind: 'out-missing', path: 'a2.txt' },
    ]);
    expect(s.b).toEqual([{ kind: 'upstream', stage: 'a' }]);
    const text = (await repro(d, 'status')).stdout;
    expect(text).toContain('cmd changed:');
    expect(text).toContain("output missing: 'a2.txt'");
  });

  it('a changed dep, a changed param, a modified and a missing output, all at once', async () => {
    const d = await ran();
    await writeFile(join(d, 'in.txt'), 'bye\n');
    await writeFile(join(d, 'params.yaml'), 'n: 2\n');
    await writeFile(join(d, 'a.txt'), 'edited\n');
    await rm(join(d, 'a2.txt'));
    await rm(join(d, 'b.txt'));
    const s = await stale(d);
    expect(s.a!.map((r) => r.kind)).toEqual(['dep', 'param', 'out-modified', 'out-missing']);
    expect(s.a![2]).toMatchObject({ path: 'a.txt' });
    expect(s.a![3]).toEqual({ kind: 'out-missing', path: 'a2.txt' });
    // b's dep (a.txt) changed on disk too, its output is gone, and a upstream changes
    expect(s.b!.map((r) => r.kind)).toEqual(['dep', 'out-missing', 'upstream']);
  });

  it('a newly declared output is reported once, as declared, not also as missing', async () => {
    const d = await ran();
    await writeFile(join(d, 'repro.yaml'), FILES['repro.yaml'].replace('outs: [b.txt]', 'outs: [b.txt, b2.txt]'));
    await rm(join(d, 'b.txt'));
    const s = await stale(d);
    expect(s.b).toEqual([
      { kind: 'outs', path: 'b2.txt', from: null, to: 'out' },
      { kind: 'out-missing', path: 'b.txt' },
    ]);
  });

  it('with the key unchanged, output problems alone are still the reasons', async () => {
    const d = await ran();
    await rm(join(d, 'b.txt'));
    expect(await stale(d)).toEqual({ b: [{ kind: 'out-missing', path: 'b.txt' }] });
  });
});
