import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { git, repro, reproBin, tempRepos } from '../helpers/repo.js';
import { read, writeTree } from '../helpers/tree.js';
import { plotFiles } from './plots-fixture.js';

const { repo } = tempRepos();

async function fixture(): Promise<string> {
  const dir = await repo(plotFiles(1));
  writeTree(dir, plotFiles(2));
  return dir;
}

type Spec = {
  data?: { values: Record<string, unknown>[] };
  mark?: unknown;
  layer?: unknown[];
  facet?: unknown;
  encoding?: Record<string, { field?: string }>;
};
interface PlotsJson {
  file: string | null;
  revisions: { label: string; commit: string | null }[];
  plots: { path: string; stage: string | null; template: string; spec: Spec }[];
  notes: string[];
}

describe('repro plots show', () => {
  it('--json prints one Vega-Lite spec per plots file with the data filled in, and writes no file', async () => {
    const dir = await fixture();
    const r = await repro(dir, 'plots', 'show', '--json');
    expect(r.code).toBe(0);
    const res = JSON.parse(r.stdout) as PlotsJson;
    expect(res.file).toBeNull();
    expect(existsSync(`${dir}/.repro/plots`)).toBe(false);
    expect(res.revisions).toEqual([{ label: 'workspace', commit: null }]);
    expect(res.plots.map((p) => [p.path, p.template])).toEqual([
      ['plots/loss.csv', 'linear'],
      ['plots/acc.tsv', 'scatter'],
      ['plots/noise.json', 'smooth'],
      ['plots/cm.csv', 'confusion'],
      ['plots/cmn.csv', 'confusion_normalized'],
      ['plots/imp.yaml', 'bar_horizontal'],
      ['plots/bare.json', 'linear'],
    ]);
    const loss = res.plots[0]!.spec;
    expect(loss.data!.values).toHaveLength(24); // 12 rows × 2 y columns
    expect(loss.data!.values[1]).toMatchObject({ step: 0, value: 0.88, field: 'val_loss', revision: 'workspace' });
    expect(loss.encoding!.x!.field).toBe('step');
    // a list of numbers: step is its index; DVC's {"train": [...]} takes the records, y the last numeric column
    expect(res.plots[2]!.spec.data!.values[29]).toMatchObject({ step: 29, field: 'value' });
    expect(res.plots[6]!.spec.data!.values).toEqual([
      expect.objectContaining({ step: 0, value: 1, field: 'score' }),
      expect.objectContaining({ step: 1, value: 2, field: 'score' }),
    ]);
    expect(res.plots[5]!.spec.data!.values).toContainEqual({ revision: 'workspace', feature: 'zip', importance: 0.05 });
  });

  it('writes one self-contained HTML file: libraries and data inlined, every fetch forbidden', async () => {
    const dir = await fixture();
    const r = await repro(dir, 'plots', 'show');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('.repro/plots/show.html');
    const html = await read(dir, '.repro/plots/show.html');
    expect(html).toMatch(/<script data-lib="vega@5\.[\d.]+">/);
    expect(html).toContain('data-lib="vega-lite@5.');
    expect(html).toContain('data-lib="vega-embed@6.');
    expect(html).toContain(`Content-Security-Policy" content="default-src 'none'`);
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/);
    expect(html).toContain('Loss by step');
    expect(html).toContain('Data table: 12 rows');

    const o = await repro(dir, 'plots', 'show', 'plots/cm.csv', '-o', 'cm.html');
    expect(o.code).toBe(0);
    const one = await read(dir, 'cm.html');
    expect(one).toContain('plots/cm.csv');
    expect(one).not.toContain('Loss by step');
  });

  it('draws a target no stage declares, notes a file that does not parse and keeps the others', async () => {
    const dir = await fixture();
    writeTree(dir, { 'extra.csv': 'x,y\n1,2\n2,4\n', 'plots/acc.tsv': '' });
    writeTree(dir, { 'plots/bare.json': '{not json' });
    const r = await repro(dir, 'plots', 'show', '--json', 'extra.csv', 'plots/');
    expect(r.code).toBe(0);
    const res = JSON.parse(r.stdout) as PlotsJson;
    expect(res.plots.map((p) => p.path)).toContain('extra.csv');
    expect(res.plots.map((p) => p.path)).toContain('plots/loss.csv');
    expect(res.notes.join('\n')).toMatch(/plots file is not JSON or YAML: 'plots\/bare\.json'/);
  });
});

describe('repro plots diff', () => {
  it('draws HEAD and the workspace in one chart each, rows tagged by revision', async () => {
    const dir = await fixture();
    const head = git(dir, 'rev-parse', 'HEAD').trim();
    const r = await repro(dir, 'plots', 'diff', '--json');
    expect(r.code).toBe(0);
    const res = JSON.parse(r.stdout) as PlotsJson;
    expect(res.revisions).toEqual([
      { label: 'HEAD', commit: head },
      { label: 'workspace', commit: null },
    ]);
    const loss = res.plots.find((p) => p.path === 'plots/loss.csv')!.spec;
    expect(loss.data!.values.filter((v) => v.revision === 'HEAD')).toHaveLength(20);
    expect(loss.data!.values.filter((v) => v.revision === 'workspace')).toHaveLength(24);
    expect(new Set(loss.data!.values.map((v) => v.series))).toEqual(
      new Set(['HEAD: loss', 'HEAD: val_loss', 'workspace: loss', 'workspace: val_loss']),
    );
  });

  it('compares two revisions given, and an unknown revision is E_NOT_FOUND (exit 2)', async () => {
    const dir = await fixture();
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'v2');
    const r = await repro(dir, 'plots', 'diff', 'HEAD~1', 'HEAD', '--json', '--targets', 'plots/imp.yaml');
    expect(r.code).toBe(0);
    const res = JSON.parse(r.stdout) as PlotsJson;
    expect(res.revisions.map((x) => x.label)).toEqual(['HEAD~1', 'HEAD']);
    expect(res.plots.map((p) => p.path)).toEqual(['plots/imp.yaml']);
    expect(res.plots[0]!.spec.data!.values.filter((v) => v.revision === 'HEAD~1')).toHaveLength(3);

    const bad = await repro(dir, 'plots', 'diff', 'no-such-rev', '--json');
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout).error.code).toBe('E_NOT_FOUND');
  });
});

describe('repro plots --open', () => {
  it('hands the written file to xdg-open and does not wait for it', async () => {
    const dir = await fixture();
    const bin = `${dir}/fake-bin`;
    await mkdir(bin);
    await writeFile(`${bin}/xdg-open`, `#!/bin/sh\necho "$1" > "${dir}/opened.txt"\n`);
    await chmod(`${bin}/xdg-open`, 0o755);
    const r = await reproBin(dir, ['plots', 'show', '--open'], { env: { PATH: `${bin}:${process.env.PATH}` } });
    expect(r.code).toBe(0);
    for (let i = 0; i < 100 && !existsSync(`${dir}/opened.txt`); i++) await new Promise((res) => setTimeout(res, 50));
    expect((await readFile(`${dir}/opened.txt`, 'utf8')).trim()).toBe(`${dir}/.repro/plots/show.html`);
  });
});
