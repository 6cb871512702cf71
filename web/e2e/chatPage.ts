// The chat page driven the way a person does: pick a nickname, type, wait until it can be sent, press Enter.

import { expect } from 'vitest';
import type { Locator, Page } from 'playwright-core';

/** Joins the room shown with {@code nickname} and waits for the composer. */
export async function join(page: Page, nickname: string): Promise<void> {
  await page.locator('.nickname-form input').fill(nickname);
  await page.locator('.nickname-form button[type=submit]').click();
  await page.locator('.composer textarea').waitFor();
}

/**
 * Types {@code text} and sends it with Enter once the page can send (its send button enabled: online, nickname set).
 * The text field is editable before that, and Enter then only queues the text until the page is online: a test that
 * pressed it while the page was still connecting sent nothing and waited for a message that never left.
 */
export async function say(page: Page, text: string): Promise<void> {
  const box = page.locator('.composer textarea');
  await box.fill(text);
  const send = page.locator('.composer .send-button');
  // a page that is still connecting or reconnecting (its retries are 2 s apart) gets there by itself
  await expect.poll(() => send.isEnabled(), { timeout: 15_000 }).toBe(true);
  await box.press('Enter');
}

/** The message on the page that holds {@code text}. */
export function message(page: Page, text: string): Locator {
  return page.locator('[data-testid=message]', { hasText: text });
}
