// Writing in the chat page's composer the way a person does: type, wait until it can be sent, press Enter.

import { expect } from 'vitest';
import type { Page } from 'playwright-core';

/**
 * Types {@code text} and sends it with Enter once the page can send (its send button enabled: online, nickname set).
 * The text field is editable before that, and Enter does nothing then (the text stays): a test that pressed it while
 * the page was still connecting sent nothing and waited for a message that never left.
 */
export async function say(page: Page, text: string): Promise<void> {
  const box = page.locator('.composer textarea');
  await box.fill(text);
  const send = page.locator('.composer .send-button');
  // a page that is still connecting or reconnecting (its retries are 2 s apart) gets there by itself
  await expect.poll(() => send.isEnabled(), { timeout: 15_000 }).toBe(true);
  await box.press('Enter');
}
