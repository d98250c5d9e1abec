import { describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { git, repro, tempRepos } from '../helpers/repo.js';

// A plots directory (`plots: [plots/rf/]`) is compared file by file, never skipped (issue 13).
const { repo } = tempRepos();

const GEN = `mkdir -p plots/rf
printf 'x,y\\n1,%s\\n2,3\\n' "$1" > plots/rf/roc.csv
printf 'x,y\\n1,1\\n2,2\\n' > plots/rf/same.csv
printf 'PNG%s' "$1" > plots/rf/curve.png
if [ "$1" = 2 ]; then printf 'a,b\\n1,2\\n' > plots/rf/new.csv; else printf 'a,b\\n1,2\\n' > plots/rf/old.csv; fi
`;
const FILES = {
  'gen.sh': GEN,
  'params.yaml': 'k: 1\n',
  'repro.yaml': `version: 1
stages:
  rf:
    cmd: rm -rf plots/rf && sh gen.sh \${k}
    deps: [gen.sh]
    params: [k]
    plots: [plots/rf/]
`,
};

async function project(): Promise<string> {
  const d = await repo(FILES);
  expect((await repro(d, 'run')).code).toBe(0);
  git(d, 'add', '-A');
  git(d, 'commit', '-qm', 'k=1');
  await writeFile(join(d, 'params.yaml'), 'k: 2\n');
  expect((await repro(d, 'run')).code).toBe(0);
  return d;
}

describe('plots directories', () => {
  it('diff lists the files added, removed and modified by path, and compares each data file', async () => {
    const d = await project();
    const r = await repro(d, 'diff', '--json');
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout);
    const row = res.outputs.find((o: any) => o.path === 'plots/rf');
    expect(row.change).toBe('modified');
    expect(row.files).toEqual([
      { path: 'plots/rf/curve.png', change: 'modified' },
      { path: 'plots/rf/new.csv', change: 'added' },
      { path: 'plots/rf/old.csv', change: 'removed' },
      { path: 'plots/rf/roc.csv', change: 'modified' },
    ]);
    expect(res.distributions.map((x: any) => x.key)).toContain('plots/rf/roc.csv:y');
    const all = JSON.parse((await repro(d, 'diff', '--json', '--all')).stdout);
    expect(all.outputs.find((o: any) => o.path === 'plots/rf').files).toContainEqual({ path: 'plots/rf/same.csv', change: 'unchanged' });
    const text = (await repro(d, 'diff')).stdout;
    expect(text).toMatch(/^ {2}plots\/rf +modified .*\n {6}modified +plots\/rf\/curve\.png\n {6}added +plots\/rf\/new\.csv\n/m);
  });

  it('plots diff draws each data file of the directory', async () => {
    const d = await project();
    const r = await repro(d, 'plots', 'diff', '--json');
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res.plots.map((p: any) => p.path)).toEqual(['plots/rf/new.csv', 'plots/rf/old.csv', 'plots/rf/roc.csv', 'plots/rf/same.csv']);
    expect(res.plots.every((p: any) => p.stage === 'rf')).toBe(true);
  });
});
