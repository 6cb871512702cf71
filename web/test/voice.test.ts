import { afterEach, describe, expect, it, vi } from 'vitest';
import { browLine, DEFAULT_EMOTION, EMOTIONS, FACES, isEmotion, mouthPath, type Emotion } from '../src/avatar/emotions';
import { initialSubtitles, isSpeaking, joinChunk, MAX_TRANSCRIPT, subtitlesReducer, type SubtitleAction, type Subtitles } from '../src/call/subtitles';
import { en, zh } from '../src/i18n';
import type { ToolResult } from '../src/mcp/server';
import type { MqttToken } from '../src/chat/protocol';
import { optionalCredentials, serverCredentials } from '../src/voice/credentials';
import { suffixOf, voiceIds } from '../src/voice/ids';
import { userMedia } from '../src/voice/media';
import { hardwareTools, type Hardware, type PhotoSource } from '../src/voice/tools';

function run(actions: SubtitleAction[], from: Subtitles = initialSubtitles): Subtitles {
  return actions.reduce(subtitlesReducer, from);
}

describe('subtitles', () => {
  it('shows what was heard, interim results replaced by the final one', () => {
    const s = run([
      { type: 'asr_response', text: 'turn on', final: false },
      { type: 'asr_response', text: 'turn on the camera', final: true },
    ]);
    expect(s.heard).toEqual({ text: 'turn on the camera', interim: false });
    expect(s.transcript).toEqual([{ who: 'user', text: 'turn on the camera' }]);
  });

  it('builds the spoken line from tts_text chunks and files it when complete', () => {
    const speaking = run([
      { type: 'loading', processing: true },
      { type: 'tts_begin', taskId: 't1' },
      { type: 'tts_text', taskId: 't1', text: 'Sure.' },
      { type: 'tts_text', taskId: 't1', text: 'The camera is on.' },
    ]);
    expect(speaking.spoken).toEqual({ taskId: 't1', text: 'Sure. The camera is on.', status: 'speaking' });
    expect(speaking.thinking).toBe(false);
    expect(isSpeaking(speaking)).toBe(true);
    const done = run([{ type: 'tts_complete', taskId: 't1' }], speaking);
    expect(done.spoken?.status).toBe('done');
    expect(isSpeaking(done)).toBe(false);
    expect(done.transcript).toEqual([{ who: 'assistant', text: 'Sure. The camera is on.' }]);
  });

  it('marks speech cut short by tts_terminate', () => {
    const s = run([
      { type: 'tts_begin', taskId: 't1' },
      { type: 'tts_text', taskId: 't1', text: '好的，我' },
      { type: 'tts_terminate', taskId: 't1' },
    ]);
    expect(s.spoken?.status).toBe('cut');
    expect(s.transcript).toEqual([{ who: 'assistant', text: '好的，我', cut: true }]);
  });

  it('ignores the end of another task, and starts a line for text without tts_begin', () => {
    const s = run([
      { type: 'tts_begin', taskId: 't1' },
      { type: 'tts_text', taskId: 't1', text: 'one' },
      { type: 'tts_complete', taskId: 'old' },
    ]);
    expect(s.spoken?.status).toBe('speaking');
    const next = run([{ type: 'tts_text', taskId: 't2', text: 'two' }], s);
    expect(next.spoken).toEqual({ taskId: 't2', text: 'two', status: 'speaking' });
    expect(next.transcript).toEqual([{ who: 'assistant', text: 'one' }]);
  });

  it('shows the thinking indicator while the agent is loading', () => {
    expect(run([{ type: 'loading', processing: true }]).thinking).toBe(true);
    expect(run([{ type: 'loading', processing: true }, { type: 'loading', processing: false }]).thinking).toBe(false);
  });

  it('keeps typed text and a bounded transcript; reset keeps the transcript only', () => {
    const many = Array.from({ length: MAX_TRANSCRIPT + 5 }, (_, i): SubtitleAction => ({ type: 'typed', text: `line ${i}` }));
    const s = run([...many, { type: 'loading', processing: true }]);
    expect(s.transcript).toHaveLength(MAX_TRANSCRIPT);
    expect(s.transcript.at(-1)).toEqual({ who: 'user', text: `line ${MAX_TRANSCRIPT + 4}` });
    const reset = run([{ type: 'reset' }], s);
    expect(reset).toEqual({ ...initialSubtitles, transcript: s.transcript });
  });

  it('joins chunks with a space between words, none around Chinese or before punctuation', () => {
    expect(joinChunk('Hello', 'world')).toBe('Hello world');
    expect(joinChunk('Hello ', 'world')).toBe('Hello world');
    expect(joinChunk('Hello', ', world')).toBe('Hello, world');
    expect(joinChunk('你好', '世界')).toBe('你好世界');
    expect(joinChunk('好的。', 'OK')).toBe('好的。OK');
    expect(joinChunk('', 'x')).toBe('x');
  });
});

describe('avatar emotions', () => {
  it('knows exactly the twelve emotions of the change_emotion tool', () => {
    expect([...EMOTIONS].sort()).toEqual(
      ['angry', 'disappointed', 'happy', 'laugh', 'playful', 'relaxed', 'sad', 'serious', 'shy', 'surprised', 'thinking', 'tired'],
    );
    expect(isEmotion('happy')).toBe(true);
    expect(isEmotion('HAPPY')).toBe(false);
    expect(isEmotion('toString')).toBe(false);
    expect(isEmotion(undefined)).toBe(false);
    expect(isEmotion(DEFAULT_EMOTION)).toBe(true);
  });

  it('draws a different face for every emotion', () => {
    const drawn = EMOTIONS.map((e) => JSON.stringify(FACES[e]));
    expect(new Set(drawn).size).toBe(EMOTIONS.length);
  });

  it('smiles when happy, frowns when sad, opens the mouth when surprised', () => {
    const smile = (e: Emotion) => FACES[e].mouthCurve;
    expect(smile('happy')).toBeGreaterThan(0);
    expect(smile('laugh')).toBeGreaterThan(smile('relaxed'));
    expect(smile('sad')).toBeLessThan(0);
    expect(smile('disappointed')).toBeLessThan(0);
    expect(smile('angry')).toBeLessThan(0);
    expect(FACES.surprised.mouthOpen).toBeGreaterThan(0.5);
    expect(FACES.angry.browTilt).toBeLessThan(0);
    expect(FACES.sad.browTilt).toBeGreaterThan(0);
  });

  it('makes valid SVG paths: a curve when closed, a closed shape when open, an O when wide open', () => {
    const number = '[\\d.]+';
    const curve = new RegExp(`^M ${number} ${number} Q ${number} ${number} ${number} ${number}( Q ${number} ${number} ${number} ${number} Z)?$`);
    const ellipse = new RegExp(`^M ${number} ${number}( A ${number} ${number} 0 1 0 ${number} ${number}){2} Z$`);
    for (const e of EMOTIONS) {
      const d = mouthPath(FACES[e]);
      expect(curve.test(d) || ellipse.test(d), `${e}: ${d}`).toBe(true);
      expect(d.endsWith('Z'), e).toBe(FACES[e].mouthOpen > 0);
    }
    expect(mouthPath(FACES.surprised)).toContain(' A ');
    expect(mouthPath(FACES.laugh)).not.toContain(' A ');
  });

  it('raises the inner brow ends when worried and lowers them when cross', () => {
    const sad = browLine(FACES.sad, -1);
    expect(sad.y2).toBeLessThan(sad.y1); // inner end (x2, nearer the nose) higher up
    const angry = browLine(FACES.angry, 1);
    expect(angry.y2).toBeGreaterThan(angry.y1);
  });

  it('has a label for every emotion in both languages', () => {
    for (const e of EMOTIONS) {
      expect(en[`emotion_${e}`], e).toBeTruthy();
      expect(zh[`emotion_${e}`], e).toBeTruthy();
    }
  });
});

describe('voice ids', () => {
  it('gives the call and the MCP server one suffix, which names the server', () => {
    const ids = voiceIds('abc123def0', 'k3y9');
    expect(ids).toEqual({
      suffix: 'k3y9',
      callClientId: 'voice_abc123def0-k3y9',
      mcpServerId: 'voicemcp_abc123def0-k3y9',
      mcpServerName: 'web-ui-hardware-controller/k3y9',
    });
    expect(suffixOf(ids.callClientId)).toBe('k3y9');
    expect(suffixOf(ids.mcpServerId)).toBe('k3y9');
    expect(suffixOf('nodash')).toBeNull();
  });

  it('makes ids the broker and the token route accept', () => {
    const ids = voiceIds('abc123def0');
    for (const id of [ids.callClientId, ids.mcpServerId]) expect(id).toMatch(/^[A-Za-z0-9_.:-]{1,128}$/);
    expect(ids.suffix).toMatch(/^[a-z0-9]{8}$/);
  });
});

class FakeHardware implements Hardware {
  camera = false;
  emotion: Emotion = 'relaxed';
  volume = { volume: 80, muted: false };
  photos: [PhotoSource, number][] = [];
  async setCamera(enabled: boolean) {
    this.camera = enabled;
  }
  setEmotion(emotion: Emotion) {
    this.emotion = emotion;
  }
  async takePhoto(source: PhotoSource, quality: number) {
    if (!this.camera && source === 'local') throw new Error('the camera is off');
    this.photos.push([source, quality]);
    return { url: 'http://127.0.0.1:5000/api/photos/abc.jpg', width: 640, height: 480, bytes: 20480 };
  }
  setVolume(change: { volume?: number; muted?: boolean }) {
    this.volume = { volume: change.volume ?? this.volume.volume, muted: change.muted ?? this.volume.muted };
    return this.volume;
  }
}

function tools() {
  const hardware = new FakeHardware();
  const list = hardwareTools(hardware);
  const call = async (name: string, args: Record<string, unknown>): Promise<ToolResult> => list.find((t) => t.name === name)!.call(args);
  return { hardware, list, call };
}

const text = (r: ToolResult) => r.content.map((c) => c.text).join(' ');

describe('the page tools', () => {
  it('offers the four tools with object input schemas', () => {
    const { list } = tools();
    expect(list.map((t) => t.name)).toEqual(['control_camera', 'change_emotion', 'take_photo', 'control_volume']);
    for (const t of list) expect(t.inputSchema.type).toBe('object');
    expect(list[0]!.inputSchema.required).toEqual(['enabled']);
    expect((list[1]!.inputSchema.properties as { emotion: { enum: string[] } }).emotion.enum).toEqual([...EMOTIONS]);
  });

  it('switches the camera, and refuses a missing or non-boolean enabled', async () => {
    const { hardware, call } = tools();
    expect(await call('control_camera', { enabled: true })).toEqual({ content: [{ type: 'text', text: 'Camera is on.' }], structuredContent: { enabled: true } });
    expect(hardware.camera).toBe(true);
    for (const args of [{}, { enabled: 'yes' }, { enabled: 1 }, { enabled: null }]) {
      const r = await call('control_camera', args);
      expect(r.isError, JSON.stringify(args)).toBe(true);
      expect(text(r)).toContain('"enabled" is required');
    }
    expect(text(await call('control_camera', { enable: true }))).toContain('unknown argument(s) enable');
    expect(hardware.camera).toBe(true);
  });

  it('changes the emotion, and lists the emotions when given another', async () => {
    const { hardware, call } = tools();
    expect((await call('change_emotion', { emotion: 'happy' })).isError).toBeUndefined();
    expect(hardware.emotion).toBe('happy');
    const bad = await call('change_emotion', { emotion: 'ecstatic' });
    expect(bad.isError).toBe(true);
    expect(text(bad)).toContain('happy, sad, angry');
    expect(text(bad)).toContain('"ecstatic"');
    expect((await call('change_emotion', {})).isError).toBe(true);
    expect(hardware.emotion).toBe('happy');
  });

  it('takes a photo with defaults and returns its URL', async () => {
    const { hardware, call } = tools();
    await call('control_camera', { enabled: true });
    const r = await call('take_photo', {});
    expect(hardware.photos).toEqual([['local', 0.85]]);
    expect(text(r)).toContain('http://127.0.0.1:5000/api/photos/abc.jpg');
    expect(r.structuredContent).toMatchObject({ url: 'http://127.0.0.1:5000/api/photos/abc.jpg', width: 640 });
    await call('take_photo', { source: 'remote', quality: 0.5 });
    expect(hardware.photos.at(-1)).toEqual(['remote', 0.5]);
  });

  it('refuses bad photo arguments before touching the camera', async () => {
    const { hardware, call } = tools();
    for (const args of [{ source: 'front' }, { quality: 2 }, { quality: -0.1 }, { quality: '0.5' }, { zoom: 2 }]) {
      expect((await call('take_photo', args)).isError, JSON.stringify(args)).toBe(true);
    }
    expect(hardware.photos).toEqual([]);
  });

  it('sets the volume and mute, at least one of them', async () => {
    const { hardware, call } = tools();
    expect(text(await call('control_volume', { volume: 33.4 }))).toBe('Volume 33%.');
    expect(text(await call('control_volume', { muted: true }))).toBe('Volume 33%, muted.');
    expect(hardware.volume).toEqual({ volume: 33, muted: true });
    for (const args of [{}, { volume: 101 }, { volume: -1 }, { volume: 'loud' }, { muted: 'no' }, { volume: Number.NaN }]) {
      expect((await call('control_volume', args)).isError, JSON.stringify(args)).toBe(true);
    }
    expect(hardware.volume).toEqual({ volume: 33, muted: true });
  });
});

describe('camera and microphone access', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('tells the user that an http:// page on another host gets no devices, and why', async () => {
    vi.stubGlobal('navigator', {});
    vi.stubGlobal('window', { isSecureContext: false });
    await expect(userMedia({ audio: true })).rejects.toThrow('only on a secure page: open it over https:// or on localhost');
  });

  it('says plainly when a secure page still has no media devices', async () => {
    vi.stubGlobal('navigator', {});
    vi.stubGlobal('window', { isSecureContext: true });
    await expect(userMedia({ audio: true })).rejects.toThrow('this browser offers no camera or microphone');
  });

  it('asks the browser with the given constraints otherwise', async () => {
    const stream = { id: 'mic' };
    const getUserMedia = vi.fn(async () => stream);
    vi.stubGlobal('navigator', { mediaDevices: { getUserMedia } });
    await expect(userMedia({ audio: { echoCancellation: true } })).resolves.toBe(stream);
    expect(getUserMedia).toHaveBeenCalledWith({ audio: { echoCancellation: true } });
  });
});

describe('the page MCP server credentials', () => {
  const token = (clientId: string): MqttToken => ({ username: 'web-token', password: `p-${clientId}`, client_id: clientId, expires_at: '2026-11-22T09:00:00Z' });

  it("claims the call's client id before the server's first token, and only once", async () => {
    const asked: string[] = [];
    const credentials = serverCredentials(async (id) => {
      asked.push(id);
      return token(id);
    }, 'voice_abc-k3j9x');

    const first = await credentials('voicemcp_abc-k3j9x');
    await credentials('voicemcp_abc-k3j9x');

    expect(asked).toEqual(['voice_abc-k3j9x', 'voicemcp_abc-k3j9x', 'voicemcp_abc-k3j9x']);
    expect(first).toEqual({ username: 'web-token', password: 'p-voicemcp_abc-k3j9x', expiresAt: Date.parse('2026-11-22T09:00:00Z') });
  });

  it('does not announce the server while the call id could not be claimed, and claims again next time', async () => {
    const asked: string[] = [];
    let taken = true;
    const credentials = serverCredentials(async (id) => {
      asked.push(id);
      if (id.startsWith('voice_') && taken) throw new Error('409 CLIENT_ID_TAKEN');
      return token(id);
    }, 'voice_abc-k3j9x');

    await expect(credentials('voicemcp_abc-k3j9x')).rejects.toThrow('CLIENT_ID_TAKEN');
    taken = false;
    await credentials('voicemcp_abc-k3j9x');

    expect(asked).toEqual(['voice_abc-k3j9x', 'voice_abc-k3j9x', 'voicemcp_abc-k3j9x']);
  });
});

describe("the call's optional token", () => {
  it('logs the call in with a token where the broker takes one, and anonymously when none can be had', async () => {
    let refuse = false;
    const credentials = optionalCredentials(async (id) => {
      if (refuse) throw new Error('429 RATE_LIMITED');
      return { username: 'web-token', password: `p-${id}`, client_id: id, expires_at: '2026-11-22T09:00:00Z' };
    }, 'voice_abc-k3j9x');

    expect(await credentials()).toEqual({ username: 'web-token', password: 'p-voice_abc-k3j9x', expiresAt: Date.parse('2026-11-22T09:00:00Z') });
    refuse = true;
    const anonymous = await credentials();
    expect(anonymous.username).toBe('');
    expect(anonymous.password).toBe('');
    expect(anonymous.expiresAt).toBeGreaterThan(Date.now());
  });
});

describe('call step log', () => {
  it('reads in English as the seed writes it (webrtc-over-mqtt-integration.md, "连接过程追踪")', () => {
    expect(en.logStep1).toBe('Step 1/2 - Establishing MQTT connection');
    expect(en.logMqttConnected.replace('{clientId}', 'webrtc_client_abc123')).toBe('MQTT connected (ClientID: webrtc_client_abc123)');
    expect(en.logStep2).toBe('Step 2/2 - Starting WebRTC signaling');
    expect(en.logSubscribing.replace('{topics}', '$webrtc/x, $message/x')).toBe('Subscribing to topics: $webrtc/x, $message/x');
    expect(en.logSubscribed).toBe('Subscribed to WebRTC topics');
    expect(en.logCreatingOffer).toBe('Creating and sending offer to backend');
    expect(en.logOfferCreated).toBe('Offer created, setting as local description');
    expect(en.logOfferSent).toBe('Offer sent to backend, waiting for answer...');
    expect(en.logAnswerReceived.replace('{topic}', '$webrtc/x')).toBe('Received sdp_answer from $webrtc/x');
    expect(en.logConnected).toBe('WebRTC connection established');
  });
});
