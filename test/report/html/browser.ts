import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';

/**
 * Debian's chromium driven by playwright-core, for tests that open generated HTML from disk.
 * `CHROMIUM` is where it must be; tests skip (loudly) only when it is missing.
 */
export const CHROMIUM = '/usr/bin/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM) {
  console.warn(`\n*** SKIPPING BROWSER TESTS: ${CHROMIUM} is missing (apt-get install -y chromium; .ci/run installs it) ***\n`);
}

/** Screenshots of each section go here (git-ignored). */
export const ARTIFACTS = resolve(__dirname, '../../../test-artifacts');

export interface Opened {
  page: Page;
  /** console errors and uncaught page errors */
  errors: string[];
  /** every request URL the page made */
  requests: string[];
}

/** A fresh profile (playwright passes it as --user-data-dir) and the flags of the issue. */
export async function launch(): Promise<{ browser: BrowserContext; close: () => Promise<void> }> {
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'repro-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  return {
    browser,
    close: async () => {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Opens `file` at 1280 px wide and waits until every chart has rendered (or failed). */
export async function openFile(browser: BrowserContext, file: string): Promise<Opened> {
  const page = await browser.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(pathToFileURL(file).href);
  await page.waitForFunction(() => (window as unknown as { reproRendered?: Promise<unknown> }).reproRendered !== undefined);
  await page.evaluate(() => (window as unknown as { reproRendered: Promise<unknown> }).reproRendered);
  return { page, errors, requests };
}

/** Marks drawn in one chart's SVG: `symbol` (points), `rect` (bars, matrix cells), `line`. */
export async function markCount(page: Page, chartId: string, mark: 'symbol' | 'rect' | 'line' | 'text' | 'area'): Promise<number> {
  return page.locator(`#${chartId} svg g.mark-${mark}.role-mark > path, #${chartId} svg g.mark-${mark}.role-mark > text`).count();
}

export async function screenshot(page: Page, name: string, selector?: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  if (selector) await page.locator(selector).screenshot({ path });
  else await page.screenshot({ path, fullPage: true });
  return path;
}

/** True when the page is wider than the viewport (a horizontal scroll bar). */
export async function scrollsSideways(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);
}
