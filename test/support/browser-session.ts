import fs from 'node:fs';
import path from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { beforeEach, onTestFailed } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium.ts';

/** Screenshots of every journey, for people to look at (gitignored). */
export const ARTIFACTS_DIR = path.resolve('test/artifacts');

export const WIDE = { width: 1280, height: 860 };
export const NARROW = { width: 390, height: 844 };

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

/** A fresh browser profile (its own cookies) at 1280 px in the light theme. */
export async function newPage(
  browser: Browser,
  baseURL: string,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL, viewport: WIDE, colorScheme: 'light' });
  const page = await context.newPage();
  return { context, page };
}

/**
 * Saves `name` at 1280 px and 390 px, light and dark (the system preference, which the UI
 * follows unless the user pinned a theme), then puts the page back at 1280 px light.
 */
export async function snap(page: Page, journey: string, name: string): Promise<void> {
  fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
  for (const [label, viewport] of [
    ['1280', WIDE],
    ['390', NARROW],
  ] as const) {
    await page.setViewportSize(viewport);
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      // Let layout and the virtual list settle at the new size.
      await page.evaluate(
        'new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))',
      );
      if (viewport === NARROW) await assertNoSidewaysScroll(page, `${journey} ${name}`);
      await page.screenshot({
        path: path.join(ARTIFACTS_DIR, `${journey}--${name}--${label}-${scheme}.png`),
        fullPage: true,
      });
    }
  }
  await page.setViewportSize(WIDE);
  await page.emulateMedia({ colorScheme: 'light' });
}

export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}

/** At 390 px nothing may stick out to the right: a phone would scroll the whole page sideways. */
async function assertNoSidewaysScroll(page: Page, where: string): Promise<void> {
  const offenders = await page.evaluate(`(() => {
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth <= width) return [];
    return [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > width + 1)
      .slice(-5)
      .map((el) => el.tagName.toLowerCase() + '.' + el.className + ' ' + Math.round(el.getBoundingClientRect().right));
  })()`);
  if ((offenders as string[]).length > 0)
    throw new Error(`${where}: wider than 390 px because of ${(offenders as string[]).join(', ')}`);
}

/** A failed journey leaves a picture of where it stopped: `test/artifacts/FAILED-<prefix><test>.png`. */
export function screenshotOnFailure(prefix: string, page: () => Page | undefined): void {
  beforeEach((context) => {
    onTestFailed(async () => {
      const name = context.task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
      await page()?.screenshot({
        path: path.join(ARTIFACTS_DIR, `FAILED-${prefix}${name}.png`),
        fullPage: true,
      });
    });
  });
}
