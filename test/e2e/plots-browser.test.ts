import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launch, markCount, openFile, screenshot, scrollsSideways, HAVE_CHROMIUM, type Opened } from '../report/html/browser.js';
import { repro, tempRepos } from '../helpers/repo.js';
import { writeTree } from '../helpers/tree.js';
import { plotFiles } from './plots-fixture.js';

/**
 * The files `repro plots` writes, opened from disk in Debian's chromium: they render offline with
 * no console error and no request beyond the file itself, and each chart draws one mark per datum.
 */
const { repo } = tempRepos({ after: 'all' });

describe.skipIf(!HAVE_CHROMIUM)('repro plots in a browser', () => {
  let browser: Awaited<ReturnType<typeof launch>>;
  let dir: string;
  beforeAll(async () => {
    browser = await launch();
    dir = await repo(plotFiles(1));
    writeTree(dir, plotFiles(2));
  });
  afterAll(async () => browser?.close());

  const offline = (o: Opened) => {
    expect(o.errors).toEqual([]);
    expect(o.requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:'))).toEqual([]);
  };

  it('plots show: every template drawn, one mark per row', async () => {
    expect((await repro(dir, 'plots', 'show')).code).toBe(0);
    const o = await openFile(browser.browser, join(dir, '.repro/plots/show.html'));
    offline(o);
    expect(await o.page.locator('[data-rendered="true"]').count()).toBe(7);
    expect(await markCount(o.page, 'plot-0', 'symbol')).toBe(24); // linear: 12 steps × loss, val_loss
    expect(await markCount(o.page, 'plot-0', 'line')).toBe(2);
    expect(await markCount(o.page, 'plot-1', 'symbol')).toBe(3); // scatter
    expect(await markCount(o.page, 'plot-2', 'symbol')).toBe(30); // smooth: the raw points
    expect(await markCount(o.page, 'plot-2', 'line')).toBe(1); // and the loess line
    expect(await markCount(o.page, 'plot-3', 'rect')).toBe(6); // confusion: distinct (actual, predicted)
    expect(await markCount(o.page, 'plot-4', 'rect')).toBe(5);
    expect(await markCount(o.page, 'plot-5', 'rect')).toBe(4); // bars
    expect(await markCount(o.page, 'plot-6', 'symbol')).toBe(2);
    expect(await scrollsSideways(o.page)).toBe(false);
    await screenshot(o.page, 'plots-show');
    await o.page.close();
  });

  it('plots diff: both revisions in each chart', async () => {
    expect((await repro(dir, 'plots', 'diff')).code).toBe(0);
    const o = await openFile(browser.browser, join(dir, '.repro/plots/diff.html'));
    offline(o);
    expect(await markCount(o.page, 'plot-0', 'symbol')).toBe(44); // 10 + 12 steps, two columns
    expect(await markCount(o.page, 'plot-0', 'line')).toBe(4);
    expect(await markCount(o.page, 'plot-3', 'rect')).toBe(5 + 6);
    expect(await markCount(o.page, 'plot-5', 'rect')).toBe(3 + 4);
    expect(await o.page.locator('#plot-3 svg').count()).toBe(1);
    expect(await scrollsSideways(o.page)).toBe(false);
    await screenshot(o.page, 'plots-diff');
    await o.page.close();
  });
});
