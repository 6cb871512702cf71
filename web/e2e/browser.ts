// Debian's Chromium driven by playwright-core (which cannot download a browser here).

import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
export const RESULTS = join(import.meta.dirname, '../test-results');

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM);
}

/** Chromium's fake camera and microphone, allowed without a prompt, and sound that plays without a click. */
export const FAKE_MEDIA = ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--autoplay-policy=no-user-gesture-required'];

/** Playwright gives every launch a fresh, empty --user-data-dir of its own. */
export async function launch(extraArgs: readonly string[] = [], executablePath = CHROMIUM): Promise<Browser> {
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
}

export interface User {
  context: BrowserContext;
  page: Page;
  /** Problems seen on the page: script dialogs, CSP violations, uncaught errors. */
  problems: string[];
}

export async function openUser(
  browser: Browser,
  url: string,
  locale: string,
  viewport = { width: 1200, height: 760 },
  /** Runs in the page before its own scripts (test instrumentation). */
  initScript?: () => void,
): Promise<User> {
  const context = await browser.newContext({ locale, viewport });
  if (initScript) await context.addInitScript(initScript);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('dialog', (dialog) => {
    problems.push(`dialog: ${dialog.type()} ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text())) {
      problems.push(`console: ${message.text()}`);
    }
  });
  await page.goto(url);
  return { context, page, problems };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(RESULTS, { recursive: true });
  await page.screenshot({ path: join(RESULTS, `${name}.png`) });
}
