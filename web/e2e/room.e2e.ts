// The room people would choose (issue 14), against the running product: Markdown rendered safely, copy buttons,
// "assistant is thinking…", the typing indicator, the nickname remembered across a reload without a leave/join pair.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { chromiumAvailable, launch, openUser, screenshot, type User } from './browser';
import { existsSync } from 'node:fs';
import { publish } from './device';
import { FakeModel } from './fakeModel';
import { JAR, Product } from './product';
import { join, message, say } from './chatPage';

const required = process.env.E2E_REQUIRED === 'true';
const runnable = chromiumAvailable() && existsSync(JAR);
if (!runnable && required) throw new Error('end-to-end tests cannot run: no Chromium or no jar');

describe.runIf(runnable)('a room people would choose', () => {
  let model: FakeModel;
  let product: Product;
  let browser: Browser;
  let alice: User;
  let bob: User;

  beforeAll(async () => {
    model = await FakeModel.start();
    // a slow model: 2.5 s before its first token, as a small local model or a busy vendor
    model.answer({ test: () => true, reply: { text: ['**Hello** from', ' the assistant.'], delayMs: 2500 } });
    product = new Product('room product', { AI_PROVIDER: 'openai-compatible', AI_BASE_URL: model.baseUrl, AI_MODEL: 'fake-model' });
    [browser] = await Promise.all([launch(), product.start()]);
    alice = await openUser(browser, product.url, 'en-US');
    bob = await openUser(browser, product.url, 'zh-CN', { width: 420, height: 760 });
    await join(alice.page, 'Alice');
    await join(bob.page, '小明');
    await alice.page.locator('[data-testid=member]', { hasText: '小明' }).waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await product?.stop();
    await model?.close();
  });

  it('says notices in each page\'s language, and "MQTT user" only of members that joined over MQTT', async () => {
    // the service speaks English (CHAT_LANGUAGE=en); the Chinese page reads Chinese notices, and the reverse. A third
    // person joins while both pages are in the room, so that both see the notice live
    const carol = await openUser(browser, product.url, 'en-US');
    await join(carol.page, 'Carol');
    await bob.page.locator('[data-testid=notice]', { hasText: 'Carol 加入了聊天室' }).waitFor();
    await alice.page.locator('[data-testid=notice]', { hasText: 'Carol joined the room' }).waitFor();
    expect(await bob.page.locator('[data-testid=notice]', { hasText: 'MQTT' }).allTextContents()).not.toContainEqual(
      expect.stringContaining('Carol'),
    );
    await publish(product.mqttPort, 'sensor-9', 'chatroom/users/join', { client_id: 'sensor-9', username: 'Sensor9' });
    await bob.page.locator('[data-testid=notice]', { hasText: 'MQTT用户 Sensor9 加入了聊天室' }).waitFor();
    await screenshot(bob.page, '8-notices-zh');
  });

  it('renders Markdown safely: formatting, tables, highlighted code with copy buttons, links in a new tab', async () => {
    await alice.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: product.url });
    const markdown = [
      '**Bold** and _italic_ with a [site](https://example.com/docs) and `inline`',
      '',
      '- first',
      '- second',
      '',
      '| name | value |',
      '|---|---|',
      '| temp | 21.5 |',
      '',
      '```python',
      'def hello():',
      '    print("hi")',
      '```',
    ].join('\n');
    await say(bob.page, markdown);
    const item = message(alice.page, 'Bold and italic');
    await item.waitFor();
    expect(await item.locator('strong').textContent()).toBe('Bold');
    expect(await item.locator('em').textContent()).toBe('italic');
    expect(await item.locator('li').allTextContents()).toEqual(['first', 'second']);
    expect(await item.locator('table td').allTextContents()).toEqual(['temp', '21.5']);
    const link = item.locator('a', { hasText: 'site' });
    expect(await link.getAttribute('href')).toBe('https://example.com/docs');
    expect(await link.getAttribute('target')).toBe('_blank');
    expect(await link.getAttribute('rel')).toContain('noopener');
    expect(await item.locator('pre code.hljs .hljs-keyword').first().textContent()).toBe('def');
    await item.locator('button[data-copy=code]').click();
    await expect.poll(() => alice.page.evaluate(() => navigator.clipboard.readText())).toBe('def hello():\n    print("hi")\n');
    await expect.poll(() => item.locator('button[data-copy=code]').textContent()).toBe('Copied');
    await screenshot(alice.page, '5-markdown');
    expect(alice.problems).toEqual([]);
  });

  it('runs none of the Markdown tricks: script links, image onerror, data: URLs, HTML blocks', async () => {
    const tricks = [
      'TRICKS [click me](javascript:alert(1)) [upper](JaVaScRiPt:alert(2)) [entity](javascript&#58;alert(3))',
      '',
      '![x](x" onerror="alert(4)) ![y](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoNSk+)',
      '',
      '[data](data:text/html;base64,PHNjcmlwdD5hbGVydCg2KTwvc2NyaXB0Pg==) <a href="javascript:alert(7)">raw link</a>',
      '',
      '<details open ontoggle=alert(8)>x</details>',
      '',
      '<div>',
      '<script>alert(9)</script><iframe src="javascript:alert(10)"></iframe>',
      '</div>',
      '',
      '```"><img src=x onerror=alert(11)>',
      'code',
      '```',
    ].join('\n');
    await publish(product.mqttPort, 'evil-device', 'chatroom/messages/in', { client_id: 'evil-device', username: 'Evil', message: tricks });
    const item = message(alice.page, 'TRICKS');
    await item.waitFor();
    const hrefs = await item.locator('a').evaluateAll((links) => links.map((a) => a.getAttribute('href')));
    expect(hrefs.filter((h) => h !== null && !/^https?:/.test(h))).toEqual([]);
    for (const selector of ['img', 'script', 'iframe', 'details', 'svg', '[onerror]', '[ontoggle]', '[style]']) {
      expect(await item.locator(selector).count(), selector).toBe(0);
    }
    await item.locator('text=click me').click();
    await item.locator('text=data').first().click();
    await alice.page.waitForTimeout(300);
    expect(alice.context.pages()).toHaveLength(1);
    expect(alice.problems).toEqual([]);
  });


  it('shows "assistant is thinking…" as soon as a question is taken, then the answer with a copy button', async () => {
    await bob.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: product.url });
    await say(alice.page, '@AI say hello');
    const thinking = bob.page.locator('[data-testid=thinking]');
    await thinking.waitFor({ timeout: 2000 });
    expect(await thinking.textContent()).toBe('Assistant 正在思考…');
    await screenshot(bob.page, '6-assistant-thinking-zh');
    const answer = message(bob.page, 'from the assistant');
    await answer.waitFor({ timeout: 20_000 });
    expect(await thinking.count()).toBe(0);
    expect(await answer.locator('strong').textContent()).toBe('Hello');
    await answer.locator('[data-testid=copy-answer]').click();
    await expect.poll(() => bob.page.evaluate(() => navigator.clipboard.readText())).toBe('**Hello** from the assistant.');
    expect(await answer.locator('[data-testid=copy-answer]').textContent()).toBe('已复制');
    expect(bob.problems).toEqual([]);
  });

  it('shows who is typing, and stops showing it when their message comes', async () => {
    const box = bob.page.locator('.composer textarea');
    await box.pressSequentially('我在写');
    await expect.poll(() => alice.page.locator('[data-testid=typing]').textContent()).toBe('小明 is typing…');
    await screenshot(alice.page, '7-typing-en');
    expect(await bob.page.locator('[data-testid=typing]').textContent()).toBe('');
    await box.press('Enter');
    await message(alice.page, '我在写').waitFor();
    await expect.poll(() => alice.page.locator('[data-testid=typing]').textContent()).toBe('');
  });

  it('remembers the nickname per room and a reload posts no leave/join pair', async () => {
    const aboutAlice = async () => (await bob.page.locator('[data-testid=notice]').allTextContents()).filter((n) => n.includes('Alice'));
    const before = await aboutAlice();
    const clientId = await alice.page.evaluate(() => sessionStorage.getItem('aichatroom.clientId'));
    await alice.page.reload();
    await alice.page.locator('.composer textarea').waitFor(); // joined again by itself, with the name kept
    expect(await alice.page.evaluate(() => sessionStorage.getItem('aichatroom.clientId'))).toBe(clientId);
    await bob.page.waitForTimeout(7000); // longer than the service's grace for a lost connection
    expect(await aboutAlice()).toEqual(before);
    await say(alice.page, 'back after a reload');
    await message(bob.page, 'back after a reload').waitFor();
    expect(await bob.page.locator('[data-testid=member]', { hasText: 'Alice' }).count()).toBe(1);
    expect(alice.problems).toEqual([]);
  });
});
