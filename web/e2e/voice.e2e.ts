// The voice page against the running product: an MCP client over MQTT finds the page's tools and uses them (camera,
// emotion, photo, volume); the page's call signalling is watched on the wire. The media path itself cannot connect
// on loopback (libwebrtc gathers no candidates there), so the call is checked up to the offer, the voice events and
// webrtc_terminated. The MCP part runs on the embedded broker with accounts required (its access rules apply, and the
// page logs both of its connections in with tokens); the signalling part on a product whose broker is Mosquitto,
// where the test may read and write the page's $webrtc topics.

import { existsSync } from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, FAKE_MEDIA, launch, openUser, screenshot, type User } from './browser';
import { McpTestClient } from './mcpClient';
import { MOSQUITTO, startMosquitto, type Mosquitto } from './mosquitto';
import { JAR, Product } from './product';

const required = process.env.E2E_REQUIRED === 'true';
const runnable = chromiumAvailable() && existsSync(JAR);
if (!runnable && required) throw new Error('end-to-end tests cannot run: no Chromium or no jar');


async function localVideoPlaying(page: Page): Promise<boolean> {
  return page.locator('[data-testid=local-video]').evaluate((v: HTMLVideoElement) => !v.paused && v.readyState >= 2 && v.videoWidth > 0);
}

async function logText(page: Page): Promise<string> {
  return (await page.locator('[data-testid=call-log]').textContent().catch(() => '')) ?? '';
}

describe.runIf(runnable)('voice page', () => {
  const product = new Product('voice product', { MQTT_BIND: '0.0.0.0', MQTT_USERNAME: 'device', MQTT_PASSWORD: 'device-secret-1' });
  let mosquitto: Mosquitto | undefined;
  let onMosquitto: Product | undefined;
  let browser: Browser;
  let client: McpTestClient | undefined;
  let wire: MqttClient | undefined;

  beforeAll(async () => {
    const withMosquitto = async () => {
      if (!existsSync(MOSQUITTO)) return;
      mosquitto = await startMosquitto();
      onMosquitto = new Product('voice product on Mosquitto', {
        MQTT_BROKER: '127.0.0.1',
        MQTT_PORT: String(mosquitto.tcpPort),
        MQTT_WS_URL: `ws://127.0.0.1:${mosquitto.wsPort}/mqtt`,
      });
      await onMosquitto.start();
    };
    [browser] = await Promise.all([launch(FAKE_MEDIA), product.start(), withMosquitto()]);
  });

  afterAll(async () => {
    await client?.close().catch(() => undefined);
    await wire?.endAsync().catch(() => undefined);
    await browser?.close();
    await Promise.all([product.stop(), onMosquitto?.stop()]);
    mosquitto?.stop();
  });

  it('offers its tools over MCP: camera, emotion, photo and volume work, bad arguments are errors', async () => {
    const user: User = await openUser(browser, `${product.url}voice.html`, 'en-US');
    const { page } = user;
    await expect.poll(() => page.locator('[data-testid=tools-panel]').getAttribute('data-state'), { timeout: 15_000 }).toBe('online');
    // the voice page's first screen, as the README shows it (docs/screenshots/voice-first-screen.png)
    await screenshot(page, 'voice-first-screen');

    client = await McpTestClient.connect(`mqtt://127.0.0.1:${product.mqttPort}`, 'web-ui-hardware-controller/#', {
      username: 'device',
      password: 'device-secret-1',
    });
    const server = await client.waitForServer();
    const suffix = server.serverName.split('/')[1]!;
    expect(server.serverName).toMatch(/^web-ui-hardware-controller\/[a-z0-9]{8}$/);
    expect(server.serverId.endsWith(`-${suffix}`)).toBe(true);

    const init = await client.initialize(server);
    expect(init.result).toMatchObject({ capabilities: { tools: { listChanged: true } }, serverInfo: { name: 'ai-chatroom-voice-page' } });
    expect(((await client.request('ping')) as { result: unknown }).result).toEqual({});
    const list = (await client.request('tools/list')).result as { tools: { name: string }[] };
    expect(list.tools.map((t) => t.name).sort()).toEqual(['change_emotion', 'control_camera', 'control_volume', 'take_photo']);

    // no camera, no photo
    expect((await client.call('take_photo', {})).isError).toBe(true);

    expect(await client.call('control_camera', { enabled: true })).toMatchObject({ content: [{ type: 'text', text: 'Camera is on.' }] });
    await expect.poll(() => localVideoPlaying(page), { timeout: 10_000 }).toBe(true);
    expect(await page.locator('[data-testid=camera]').getAttribute('aria-pressed')).toBe('true');

    expect((await client.call('change_emotion', { emotion: 'happy' })).isError).toBeFalsy();
    await expect.poll(() => page.locator('svg[data-emotion]').getAttribute('data-emotion')).toBe('happy');
    expect(await page.locator('[data-testid=emotion]').textContent()).toBe('Happy');

    const bad = await client.call('change_emotion', { emotion: 'ecstatic' });
    expect(bad.isError).toBe(true);
    expect(bad.content[0]!.text).toContain('must be one of happy, sad');
    expect((await client.call('control_camera', {})).isError).toBe(true);
    expect((await client.call('control_volume', {})).isError).toBe(true);
    expect((await client.call('take_photo', { quality: 7 })).isError).toBe(true);
    expect(((await client.request('tools/call', { name: 'teleport', arguments: {} })).error as { code: number }).code).toBe(-32602);
    expect(((await client.request('resources/list')).error as { code: number }).code).toBe(-32601);
    await expect.poll(() => page.locator('svg[data-emotion]').getAttribute('data-emotion')).toBe('happy');

    const photo = await client.call('take_photo', { quality: 0.8 });
    expect(photo.isError).toBeFalsy();
    const url = photo.structuredContent?.url as string;
    expect(url).toMatch(new RegExp(`^${product.url}api/photos/[A-Za-z0-9_-]{22}\\.jpg$`));
    expect(photo.content[0]!.text).toContain(url);
    const jpeg = await fetch(url);
    expect(jpeg.status).toBe(200);
    expect(jpeg.headers.get('content-type')).toBe('image/jpeg');
    const bytes = new Uint8Array(await jpeg.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
    expect(bytes.length).toBeGreaterThan(1000);

    expect((await client.call('control_volume', { volume: 30, muted: true })).content[0]!.text).toBe('Volume 30%, muted.');
    await expect
      .poll(() => page.locator('[data-testid=remote-audio]').evaluate((a: HTMLAudioElement) => [a.volume, a.muted]))
      .toEqual([0.3, true]);
    expect(await page.locator('[data-testid=volume]').inputValue()).toBe('30');

    // the call on the embedded broker: the page may publish its offer on its own $webrtc topic
    await page.locator('[data-testid=connect]').click();
    await expect.poll(() => logText(page), { timeout: 15_000 }).toContain('Offer sent to backend');
    expect(await logText(page)).toContain(`-${suffix})`); // ClientID: voice_…-{suffix}
    await expect.poll(() => page.locator('[data-testid=tools-panel]').textContent()).toContain('take_photo');
    await screenshot(page, 'voice-tools');

    await client.call('control_camera', { enabled: false });
    await expect.poll(() => page.locator('[data-testid=camera]').getAttribute('aria-pressed')).toBe('false');
    expect(user.problems).toEqual([]);

    // leaving the page takes the tools away: the presence is cleared
    const presence = [...client.servers.keys()].find((k) => k.endsWith(server.serverName))!;
    await user.context.close();
    await expect.poll(() => client!.servers.has(presence), { timeout: 15_000 }).toBe(false);
  });

  it.runIf(existsSync(MOSQUITTO))('signals a call over MQTT: a well-formed offer, voice events, and webrtc_terminated with its reason', async () => {
    const target = onMosquitto!;
    wire = await mqtt.connectAsync(`mqtt://127.0.0.1:${mosquitto!.tcpPort}`, { protocolVersion: 5, clientId: `voice-e2e-proxy-${Date.now()}` });
    const offers: { topic: string; body: { type: string; data: { type: string; sdp: string } } }[] = [];
    wire.on('message', (topic, payload) => {
      const body = JSON.parse(payload.toString('utf8'));
      if (body.type === 'sdp_offer') offers.push({ topic, body });
    });
    await wire.subscribeAsync('$webrtc/+/multimedia_proxy', { qos: 1 });

    const user = await openUser(browser, `${target.url}voice.html`, 'zh-CN');
    const { page } = user;
    await page.locator('[data-testid=connect]').click();
    await expect.poll(() => offers.length, { timeout: 15_000 }).toBeGreaterThan(0);
    const { topic, body } = offers[0]!;
    const id = /^\$webrtc\/([^/]+)\/multimedia_proxy$/.exec(topic)![1]!;
    expect(id).toMatch(/^voice_[a-z0-9]+-[a-z0-9]{8}$/);
    expect(body.data.type).toBe('offer');
    expect(body.data.sdp).toMatch(/^v=0\r\n/);
    expect(body.data.sdp).toContain('m=audio');
    expect(body.data.sdp).toContain('m=video');
    await expect.poll(() => logText(page)).toContain('offer 已发送给后端');

    // what the proxy says while the call runs
    const say = (t: string, o: object) => wire!.publishAsync(t, JSON.stringify(o), { qos: 1 });
    await say(`$message/${id}`, { type: 'asr_response', format: 'merged', results: '打开摄像头' });
    await say(`$message/${id}`, { type: 'message', payload: { type: 'loading', status: 'processing' } });
    await expect.poll(() => page.locator('[data-testid=thinking]').count()).toBe(1);
    await say(`$message/${id}`, { type: 'tts_begin', task_id: 't1' });
    await say(`$message/${id}`, { type: 'tts_text', task_id: 't1', text: '好的，' });
    await say(`$message/${id}`, { type: 'tts_text', task_id: 't1', text: '<b>摄像头</b>已经打开了。' });
    await expect.poll(() => page.locator('[data-testid=subtitle-spoken]').textContent()).toContain('好的，<b>摄像头</b>已经打开了。');
    expect(await page.locator('[data-testid=subtitle-heard]').textContent()).toContain('打开摄像头');
    expect(await page.locator('[data-testid=thinking]').count()).toBe(0);
    expect(await page.locator('svg[data-emotion]').getAttribute('data-speaking')).toBe('true');
    await screenshot(page, 'voice-call-zh');

    await say(`$webrtc/${id}`, { type: 'webrtc_terminated', reason: 'e2e: no media path on loopback' });
    await expect.poll(() => page.locator('[data-testid=call-state]').getAttribute('data-state')).toBe('terminated');
    expect(await logText(page)).toContain('通话已被服务器结束：e2e: no media path on loopback');
    expect(await page.locator('[data-testid=connect]').textContent()).toBe('连接');
    expect(user.problems).toEqual([]);
    await user.context.close();
  });
});
