import { access, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';

import type { Browser, BrowserContext, Page } from 'playwright-core';

/** Debian's Chromium (`.ci/run` installs it with apt); Playwright's own browser downloads cannot run here. */
export const chromiumPath = process.env['MODELHUB_CHROMIUM'] ?? '/usr/bin/chromium';

/**
 * Flags Chromium needs on a closed network: without them it tries to reach Google's update, sync
 * and field-trial services at start and some connections of the page under test are refused.
 */
export const chromiumFlags: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Where full-page screenshots go for people to look at (ignored by git). */
export const screenshotsRoot = resolve(import.meta.dirname, '../../../../test-results/web');

/** A real Chromium for one test file. */
export interface TestBrowser {
  readonly browser: Browser;
  /** A fresh context (own cookies): `dark` emulates `prefers-color-scheme: dark`. */
  newContext(options?: { readonly dark?: boolean }): Promise<BrowserContext>;
  /** Saves a full-page screenshot as `<name>.png` and returns its path. */
  screenshot(page: Page, name: string): Promise<string>;
  /** The WCAG 2.1 A/AA violations axe finds on the page that are serious or critical. */
  seriousA11yViolations(
    page: Page,
  ): Promise<readonly { id: string; impact: string; help: string; nodes: readonly string[] }[]>;
  close(): Promise<void>;
}

/**
 * Launches Debian's Chromium through playwright-core (Playwright gives it a new empty profile
 * folder and removes it on close). Fails with a clear message when Chromium is missing.
 */
export async function launchTestBrowser(screenshotsDir = screenshotsRoot): Promise<TestBrowser> {
  try {
    await access(chromiumPath);
  } catch {
    throw new Error(
      `Chromium is not installed at ${chromiumPath}: run scripts/ci/install-system-packages.sh (apt-get install chromium), or set MODELHUB_CHROMIUM.`,
    );
  }
  const { chromium } = await import('playwright-core');
  const { AxeBuilder } = await import('@axe-core/playwright');
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [...chromiumFlags],
    headless: true,
  });
  await mkdir(screenshotsDir, { recursive: true });
  return {
    browser,
    newContext: (options = {}) =>
      browser.newContext({
        colorScheme: options.dark === true ? 'dark' : 'light',
        viewport: { width: 1280, height: 900 },
      }),
    screenshot: async (page, name) => {
      const path = join(screenshotsDir, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    seriousA11yViolations: async (page) => {
      const result = await new AxeBuilder({ page })
        .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
        .analyze();
      return result.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => ({
          id: v.id,
          impact: v.impact ?? '',
          help: v.help,
          nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary ?? ''}`),
        }));
    },
    close: () => browser.close(),
  };
}
