import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestContext } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's chromium (.ci/run installs it when missing); `npx playwright install` cannot download here. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Where browser tests leave their screenshots (git-ignored; CI leaves them in its clone). */
export const SCREENSHOTS = resolve('test-artifacts/screenshots');

export interface TestBrowser {
  context: BrowserContext;
  page: Page;
  /** Saves a full-page screenshot as test-artifacts/screenshots/<name>.png. */
  screenshot(name: string): Promise<void>;
  /** Console errors and page errors seen so far (a CSP violation shows here). */
  problems: string[];
}

/** Headless chromium with a fresh profile (removed afterwards), a laptop-sized window, downloads on. */
export async function startBrowser(t: TestContext, opts: { prefix: string }): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no chromium at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (.ci/run does), or set CHROMIUM_PATH`);
  }
  const profile = await mkdtemp(join(tmpdir(), 'apptrail-chromium-'));
  await mkdir(SCREENSHOTS, { recursive: true });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: { width: 1366, height: 768 },
    acceptDownloads: true,
    timezoneId: 'UTC',
    locale: 'en-GB',
  });
  t.after(async () => {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(20_000);
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (err) => problems.push(String(err)));
  return {
    context,
    page,
    problems,
    screenshot: async (name) => void (await page.screenshot({ path: join(SCREENSHOTS, `${opts.prefix}-${name}.png`), fullPage: true })),
  };
}
