// The voice companion end to end, with real media: the product's own voice page in headless Chromium, in a network
// namespace (libwebrtc gathers no candidates on loopback), calls the product over MQTT signalling and says "turn on
// the camera" through its fake microphone (a WAV made with espeak-ng). The product recognises it, the assistant (a
// local server speaking OpenAI's wire format) calls the page's control_camera tool over MCP, the page's camera turns
// on, and the spoken reply reaches the page, measured there with a WebAudio AnalyserNode. As from another machine,
// the page is served over HTTPS with a certificate for the veth address, and its MQTT runs over wss://.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, chromiumAvailable, FAKE_MEDIA, launch, openUser, screenshot } from './browser';
import { makeCertificate } from './certificate';
import { FakeModel, lastOf, type ChatRequest } from './fakeModel';
import { NetNs, netnsAvailable } from './netns';
import { JAR, Product } from './product';
import { espeakAvailable, speechWav } from './speech';

const required = process.env.E2E_REQUIRED === 'true';
const runnable = chromiumAvailable() && existsSync(JAR) && espeakAvailable() && netnsAvailable();
if (!runnable && required) throw new Error('the voice call end-to-end test cannot run: it needs Chromium, the jar, espeak-ng, root and iproute2');

/** What the page heard and played, from AnalyserNodes on its microphone and on the call's remote audio. */
interface Level {
  kind: 'speech-start' | 'speech-end' | 'reply-start' | 'reply-end';
  t: number;
  /** speech-end/reply-end: when it was last loud, and for how long it was loud in all. */
  at?: number;
  loudMs?: number;
}

// Installed before the page's scripts run: keeps the microphone stream the page opens, so the test can measure it.
function keepMicrophone(): void {
  const devices = navigator.mediaDevices;
  const open = devices.getUserMedia.bind(devices);
  devices.getUserMedia = async (constraints) => {
    const stream = await open(constraints);
    if (stream.getAudioTracks().length > 0) (window as unknown as { e2eMic: MediaStream }).e2eMic = stream;
    return stream;
  };
}

// Runs in the page: watches the microphone and the remote audio element, and records when each is loud (> -40 dBFS).
function watchLevels(): void {
  const w = window as unknown as { e2eMic?: MediaStream; e2eLevels: Level[] };
  w.e2eLevels = [];
  const ctx = new AudioContext();
  const watch = (name: 'speech' | 'reply', stream: () => MediaStream | null | undefined) => {
    let analyser: AnalyserNode | null = null;
    let data = new Float32Array(0);
    let loud = false;
    let lastLoud = 0;
    let loudMs = 0;
    setInterval(() => {
      const s = stream();
      if (!analyser) {
        if (!s || s.getAudioTracks().length === 0) return;
        analyser = ctx.createAnalyser();
        analyser.fftSize = 1024;
        ctx.createMediaStreamSource(s).connect(analyser);
        data = new Float32Array(analyser.fftSize);
      }
      analyser.getFloatTimeDomainData(data);
      let sum = 0;
      for (const v of data) sum += v * v;
      const db = 20 * Math.log10(Math.sqrt(sum / data.length) + 1e-9);
      const now = performance.now();
      if (db > -40) {
        if (!loud) w.e2eLevels.push({ kind: `${name}-start`, t: now });
        loud = true;
        lastLoud = now;
        loudMs += 20;
      } else if (loud && now - lastLoud > 300) {
        loud = false;
        w.e2eLevels.push({ kind: `${name}-end`, t: now, at: lastLoud, loudMs });
      }
    }, 20);
  };
  watch('speech', () => w.e2eMic);
  watch('reply', () => (document.querySelector('[data-testid=remote-audio]') as HTMLAudioElement | null)?.srcObject as MediaStream | null);
}

async function levels(page: Page): Promise<Level[]> {
  return page.evaluate(() => (window as unknown as { e2eLevels: Level[] }).e2eLevels);
}

const text = (request: ChatRequest) => JSON.stringify(request.messages);
const toolNames = (request: ChatRequest) => (request.tools ?? []).map((t) => t.function.name).sort();

describe.runIf(runnable)('voice call with real media', () => {
  const work = mkdtempSync(join(tmpdir(), 'voice-call-e2e-'));
  const wav = join(work, 'turn-on-the-camera.wav');
  let ns: NetNs;
  let model: FakeModel;
  let product: Product;
  let browser: Browser;

  beforeAll(async () => {
    ns = NetNs.create();
    model = await FakeModel.start();
    model.answer(
      { test: (r) => r.messages.some((m) => m.role === 'tool'), reply: { text: ['Done.', ' The camera is on,', ' I can see you now.'] } },
      { test: (r) => /turn on the camera/.test(text(r)) && toolNames(r).includes('control_camera'), reply: { toolCall: { name: 'control_camera', arguments: { enabled: true } } } },
    );
    speechWav(wav, 'turn on the camera', 3000, 4000);
    // a user reaches a server on another host over https:// (browsers lend the microphone to secure pages only):
    // the product serves its page, API and wss:// with a certificate for the veth address
    const certificate = makeCertificate(work, ns.hostAddress);
    product = new Product(
      'voice call product',
      {
        HTTP_BIND: ns.hostAddress, // reachable from the browser's namespace only through the veth
        MQTT_BIND: ns.hostAddress,
        MQTT_USERNAME: 'device',
        MQTT_PASSWORD: `voice-e2e-${process.pid}`,
        AI_PROVIDER: 'openai-compatible',
        AI_BASE_URL: model.baseUrl,
        AI_MODEL: 'fake-model',
        TLS_CERT: certificate.cert,
        TLS_KEY: certificate.key,
        MQTT_TLS_PORT: '0',
      },
      ns.hostAddress,
    );
    await product.start();
    browser = await launch(
      [
        ...FAKE_MEDIA,
        `--use-file-for-fake-audio-capture=${wav}%noloop`,
        '--disable-features=WebRtcHideLocalIpsWithMdns',
        certificate.chromiumFlag,
      ],
      ns.wrap(CHROMIUM),
    );
  });

  afterAll(async () => {
    await browser?.close();
    await product?.stop();
    await model?.close();
    ns?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('hears "turn on the camera", turns the page camera on through MCP and answers aloud', async () => {
    const user = await openUser(browser, `${product.url}voice.html`, 'en-US', { width: 1200, height: 760 }, keepMicrophone);
    const { page } = user;
    // a secure page by its certificate alone (no flag marks the origin secure), whose MQTT runs over wss://
    expect(await page.evaluate(() => [location.protocol, window.isSecureContext])).toEqual(['https:', true]);
    expect(JSON.parse((await product.get('api/config')).body).mqtt_ws_url).toBe(`wss://${ns.hostAddress}:${product.wsPort}/mqtt`);
    await expect.poll(() => page.locator('[data-testid=tools-panel]').getAttribute('data-state'), { timeout: 15_000 }).toBe('online');
    await page.evaluate(watchLevels);
    await page.locator('[data-testid=connect]').click();

    await expect.poll(() => page.locator('[data-testid=call-state]').getAttribute('data-state'), { timeout: 15_000 }).toBe('connected');
    try {
      await expect.poll(() => page.locator('[data-testid=subtitle-heard]').textContent(), { timeout: 30_000 }).toContain('turn on the camera');
    } catch (e) {
      const heard = await page.locator('[data-testid=subtitle-heard]').textContent().catch(() => null);
      console.log('heard:', heard, '\npage levels:', JSON.stringify(await levels(page)), '\ncall log:', await page.locator('[data-testid=call-log]').textContent());
      throw e;
    }

    // the model was asked with the page's four tools, called control_camera, and got the page's answer back
    await expect.poll(() => model.requests.length, { timeout: 15_000 }).toBe(2);
    const [ask, followUp] = model.requests as [ChatRequest, ChatRequest];
    expect(toolNames(ask)).toEqual(['change_emotion', 'control_camera', 'control_volume', 'take_photo']);
    expect(JSON.stringify(lastOf(ask, 'user')?.content)).toContain('turn on the camera');
    expect(lastOf(followUp, 'tool')?.content).toBe('Camera is on.');

    await expect.poll(() => page.locator('[data-testid=camera]').getAttribute('aria-pressed'), { timeout: 10_000 }).toBe('true');
    await expect
      .poll(() => page.locator('[data-testid=local-video]').evaluate((v: HTMLVideoElement) => !v.paused && v.readyState >= 2 && v.videoWidth > 0), {
        timeout: 10_000,
      })
      .toBe(true);
    await expect.poll(() => page.locator('[data-testid=subtitle-spoken]').textContent(), { timeout: 30_000 }).toContain('I can see you now.');

    // the reply was heard: loud audio on the call's remote track after the user stopped speaking, all of its
    // sentences (espeak-ng says them in about 2.5 s; the analyser counts loud 20 ms steps)
    const replyLoudMs = async () => (await levels(page)).filter((l) => l.kind === 'reply-end').at(-1)?.loudMs ?? 0;
    await expect.poll(replyLoudMs, { timeout: 30_000 }).toBeGreaterThan(1500);
    const heard = await levels(page);
    const speechEnd = heard.find((l) => l.kind === 'speech-end');
    expect(speechEnd).toBeDefined();
    const replyStart = heard.find((l) => l.kind === 'reply-start' && l.t > speechEnd!.at!);
    expect(replyStart).toBeDefined();
    await screenshot(page, 'voice-call-media');

    // the room holds the voice turn: what the user said and what the assistant answered
    const history = JSON.parse((await product.get('api/rooms/main/messages')).body) as { messages: Record<string, unknown>[] };
    const voice = history.messages.filter((m) => m.source === 'voice');
    expect(voice.map((m) => [m.type, m.content])).toEqual([
      ['user_message', 'turn on the camera'],
      ['ai_response', 'Done. The camera is on, I can see you now.'],
    ]);

    const log = (await page.locator('[data-testid=call-log]').textContent()) ?? '';
    console.log(
      `MEASURED voice page: end of speech → first reply audio ${Math.round(replyStart!.t - speechEnd!.at!)} ms ` +
        `(end-of-turn silence, recognition and the tool call's round trip included), reply audio ${await replyLoudMs()} ms`,
    );
    expect(log).toContain('Offer sent to backend');

    await page.locator('[data-testid=connect]').click(); // hang up
    await expect.poll(() => page.locator('[data-testid=call-state]').getAttribute('data-state')).toBe('idle');
    expect(user.problems).toEqual([]);
    await user.context.close();
  });
});
