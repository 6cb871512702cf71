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
  /** The page's MQTT packets over WebSocket, newest last (the last {@link WIRE_KEPT}): for a failure's report. */
  wire: string[];
}

const WIRE_KEPT = 200;
const PACKET_TYPES = ['?', 'CONNECT', 'CONNACK', 'PUBLISH', 'PUBACK', 'PUBREC', 'PUBREL', 'PUBCOMP', 'SUBSCRIBE', 'SUBACK', 'UNSUBSCRIBE', 'UNSUBACK', 'PINGREQ', 'PINGRESP', 'DISCONNECT', 'AUTH'];

/** The MQTT packets in one WebSocket frame, as `PUBLISH q1 chatroom/messages/in` etc. (a packet split over frames: its type only). */
export function mqttPackets(frame: Buffer): string[] {
  const packets: string[] = [];
  let at = 0;
  while (at < frame.length) {
    const first = frame[at]!;
    let length = 0;
    let shift = 0;
    let i = at + 1;
    for (; i < frame.length && i < at + 5; i++) {
      length += (frame[i]! & 0x7f) << shift;
      shift += 7;
      if ((frame[i]! & 0x80) === 0) break;
    }
    const body = i + 1;
    const type = PACKET_TYPES[first >> 4] ?? '?';
    if (type === 'PUBLISH' && body + 2 <= frame.length) {
      const topicLength = frame.readUInt16BE(body);
      const topic = frame.subarray(body + 2, Math.min(frame.length, body + 2 + topicLength)).toString('utf8');
      const id = (first >> 1) & 3 ? ` id ${frame.length >= body + 4 + topicLength ? frame.readUInt16BE(body + 2 + topicLength) : '?'}` : '';
      packets.push(`PUBLISH q${(first >> 1) & 3}${id} ${topic}`);
    } else if ((type === 'PUBACK' || type === 'SUBACK') && body + 2 <= frame.length) {
      packets.push(`${type} id ${frame.readUInt16BE(body)}`);
    } else {
      packets.push(type);
    }
    at = body + length;
  }
  return packets;
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
  const wire: string[] = [];
  const note = (line: string) => {
    wire.push(`${new Date().toISOString().slice(11, 23)} ${line}`);
    if (wire.length > WIRE_KEPT) wire.shift();
  };
  page.on('websocket', (ws) => {
    note(`open ${ws.url()}`);
    const frames = (direction: string) => (frame: { payload: string | Buffer }) => {
      const packets = typeof frame.payload === 'string' ? [`text ${frame.payload.length} chars`] : mqttPackets(frame.payload);
      packets.forEach((p) => note(`${direction} ${p}`));
    };
    ws.on('framesent', frames('page →'));
    ws.on('framereceived', frames('page ←'));
    ws.on('socketerror', (error) => note(`error ${error}`));
    ws.on('close', () => note(`closed ${ws.url()}`));
  });
  page.on('dialog', (dialog) => {
    problems.push(`dialog: ${dialog.type()} ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') note(`console ${message.type()}: ${message.text()}`);
    if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text())) {
      problems.push(`console: ${message.text()}`);
    }
  });
  await page.goto(url);
  return { context, page, problems, wire };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(RESULTS, { recursive: true });
  await page.screenshot({ path: join(RESULTS, `${name}.png`) });
}
