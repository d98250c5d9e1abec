import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAVE_CHROMIUM, launch, markCount, openFile, screenshot, scrollsSideways } from '../report/html/browser.js';
import { git, removeRepo, repro } from '../helpers/repo.js';
import { read } from '../helpers/tree.js';
import { reportRepo } from './report-fixture.js';

/**
 * `repro report` on a branch with seeded sweeps on each side and a stale workspace: the data
 * (--json) and the page, opened from disk in chromium.
 */
let dir: string;
let data: any;
beforeAll(async () => {
  dir = await reportRepo();
  const r = await repro(dir, 'report', '--json', '-o', 'report.html');
  if (r.code !== 0) throw new Error(`repro report exited ${r.code}: ${r.stderr}${r.stdout}`);
  data = JSON.parse(r.stdout);
}, 120_000);
afterAll(async () => dir && removeRepo(dir));

describe('repro report: the data', () => {
  it('compares the workspace with the merge base with main, reusing verify and diff', () => {
    const main = git(dir, 'rev-parse', 'main').trim();
    expect(data.file).toBe(join(dir, 'report.html'));
    expect(data.base).toEqual({ label: 'merge base with main', commit: main });
    expect(data.head).toEqual({ label: 'workspace', commit: null });
    // verify ran on the checkout: train is stale (lr edited), guardrails judged against the base
    expect(data.verify.freshness.status).toBe('fail');
    expect(data.verify.guardrails.base.commit).toBe(main);
    const acc = data.diff.metrics.rows.find((r: any) => r.key === 'metrics.json:acc');
    expect(acc.a.n).toBe(3);
    expect(acc.b.n).toBe(3);
    expect(acc.verdict).toBe('improved');
    expect(data.samples['metrics.json:latency_ms'].base).toHaveLength(40);
  });

  it('history: one point per first-parent commit and the edited workspace, 3 seeds each with a CI', () => {
    expect(data.history.map((p: any) => p.label)).toEqual([expect.any(String), expect.any(String), expect.any(String), 'workspace']);
    const [, baseline, feature] = data.history;
    expect(baseline.metrics['metrics.json:acc'].n).toBe(3);
    expect(baseline.metrics['metrics.json:acc'].ci).toHaveLength(2);
    expect(feature.params_changed).toEqual({ 'params.yaml:effect': 0.3 });
    expect(data.history[3].params_changed).toEqual({ 'params.yaml:lr': 0.2 });
  });

  it('pipeline: every stage with its state; the edited param makes train and its downstream stale', () => {
    const states = Object.fromEntries(data.pipeline.stages.map((s: any) => [s.name, s.state]));
    expect(states).toEqual({ prep: 'up-to-date', train: 'stale', evaluate: 'stale' });
    const train = data.pipeline.stages.find((s: any) => s.name === 'train');
    expect(train.reasons.join(' ')).toContain('lr');
    expect(train.upstream).toEqual(['prep']);
    expect(train.outs.find((o: any) => o.path === 'metrics.json').size).toBeGreaterThan(0);
  });
});

describe('repro report REV', () => {
  it('reports a committed revision: no verify of the checkout (a note says how), states as its lock records them', async () => {
    const r = await repro(dir, 'report', 'HEAD', '--base', 'main', '--json');
    expect(r.code).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res.head).toEqual({ label: 'HEAD', commit: git(dir, 'rev-parse', 'HEAD').trim() });
    expect(res.base.label).toBe('main');
    expect(res.verify).toBeNull();
    expect(res.notes.join('\n')).toContain('--verify FILE');
    expect(res.pipeline.live).toBe(false);
    expect(res.pipeline.stages.map((s: any) => s.state)).toEqual(['up-to-date', 'up-to-date', 'up-to-date']);
    expect(res.history.map((p: any) => p.label)).not.toContain('workspace');
  });

  it('the same revision as its base is a usage error', async () => {
    const r = await repro(dir, 'report', 'main', '--base', 'main', '--json');
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error.code).toBe('E_USAGE');
  });
});

describe.skipIf(!HAVE_CHROMIUM)('repro report in a browser', () => {
  let browser: Awaited<ReturnType<typeof launch>>;
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => browser?.close());

  it('renders offline, every section and chart present, one DAG node per stage, no sideways scroll', async () => {
    const html = await read(dir, 'report.html');
    expect(html.length).toBeLessThan(5 * 1024 * 1024);
    const o = await openFile(browser.browser, join(dir, 'report.html'));
    expect(o.errors).toEqual([]);
    expect(o.requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:'))).toEqual([]);
    const ids = await o.page.locator('main > section').evaluateAll((els) => els.map((e) => e.id));
    expect(ids).toEqual(
      ['verdict', 'history', 'comparison', 'plots', 'pipeline', 'environment', 'notes'].filter(
        (s) => s !== 'notes' || ids.includes('notes'),
      ),
    );
    expect(await o.page.locator('[data-rendered="error"]').count()).toBe(0);

    // history: metrics acc, loss and the six summaries of the latency_ms list; one point per commit with the metric
    expect(await o.page.locator('#history .chart').count()).toBe(8);
    expect(await markCount(o.page, 'history-0', 'symbol')).toBe(3); // the first commit has no lock, no metrics
    expect(await markCount(o.page, 'history-0', 'area')).toBe(1);
    // comparison: latency_ms and the scores column, histograms on 20 shared bins per side
    expect(await markCount(o.page, 'dist-0', 'rect')).toBe(40);
    // plots of base and workspace in one chart: 8 steps each
    expect(await markCount(o.page, 'plot-0', 'symbol')).toBe(16);
    // the DAG: one node per stage, coloured by state, one edge per dependency
    expect(await o.page.locator('#pipeline svg g.stage').count()).toBe(3);
    expect(await o.page.locator('#pipeline svg g.stage[data-state="stale"]').count()).toBe(2);
    expect(await o.page.locator('#pipeline svg path.edge').count()).toBe(2);
    // every chart has its table
    const charts = await o.page.locator('.chart').count();
    expect(await o.page.locator('figure details table').count()).toBeGreaterThanOrEqual(charts);
    expect(await scrollsSideways(o.page)).toBe(false);

    for (const id of ids) await screenshot(o.page, `report-${id}`, `#${id}`);
    await screenshot(o.page, 'report-full');
    await o.page.close();
  });
});

describe('repro report: a failed stage', () => {
  it('is drawn failed with its error, the stage before it up to date', async () => {
    const d = await (
      await import('../helpers/repo.js')
    ).testRepo({
      'repro.yaml':
        'stages:\n  ok:\n    cmd: echo a > a.txt\n    outs: [a.txt]\n  bad:\n    cmd: exit 3\n    deps: [a.txt]\n    outs: [b.txt]\n',
    });
    try {
      expect((await repro(d, 'run')).code).toBe(1);
      const r = await repro(d, 'report', '--json');
      expect(r.code).toBe(0);
      const res = JSON.parse(r.stdout);
      expect(res.file).toBeNull();
      const states = Object.fromEntries(res.pipeline.stages.map((s: any) => [s.name, s.state]));
      expect(states).toEqual({ ok: 'up-to-date', bad: 'failed' });
      expect(res.pipeline.stages[1].reasons[0]).toMatch(/3/);
    } finally {
      await removeRepo(d);
    }
  });
});
