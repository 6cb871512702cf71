import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseSignal, parseVoiceEvent, type CandidateData, type OutboundSignal } from '../src/call/protocol';
import { CallSession, candidateKind, type PeerLike, type SenderLike, type SignallingChannel } from '../src/call/session';

const ID = 'voice_abc-s1';
const encode = (o: unknown) => new TextEncoder().encode(typeof o === 'string' ? o : JSON.stringify(o));

class FakeChannel implements SignallingChannel {
  readonly clientId = ID;
  readonly published: { topic: string; body: OutboundSignal }[] = [];
  readonly subscribed: string[] = [];
  handler: ((topic: string, payload: Uint8Array) => void) | null = null;
  connects = 0;
  closes = 0;
  failConnect: Error | null = null;
  interruption: ((what: 'lost' | 'back') => void) | null = null;

  async connect() {
    this.connects++;
    if (this.failConnect) throw this.failConnect;
  }
  async subscribe(topics: readonly string[], handler: (topic: string, payload: Uint8Array) => void) {
    this.subscribed.push(...topics);
    this.handler = handler;
    return () => {
      this.handler = null;
    };
  }
  async publish(topic: string, body: OutboundSignal) {
    this.published.push({ topic, body });
  }
  onInterruption(listener: (what: 'lost' | 'back') => void) {
    this.interruption = listener;
    return () => {
      this.interruption = null;
    };
  }
  readonly farewells: ({ topic: string; body: OutboundSignal } | undefined)[] = [];
  close(farewell?: { topic: string; body: OutboundSignal }) {
    this.closes++;
    this.farewells.push(farewell);
  }
  signal(body: unknown) {
    this.handler?.(`$webrtc/${ID}`, encode(body));
  }
  event(body: unknown) {
    this.handler?.(`$message/${ID}`, encode(body));
  }
  types() {
    return this.published.map((p) => p.body.type);
  }
}

class FakePeer implements PeerLike {
  connectionState = 'new';
  onicecandidate: PeerLike['onicecandidate'] = null;
  ontrack: PeerLike['ontrack'] = null;
  onconnectionstatechange: PeerLike['onconnectionstatechange'] = null;
  transceivers: { kind: string; sender: SenderLike & { track: MediaStreamTrack | null } }[] = [];
  remote: { type: string; sdp: string } | null = null;
  candidates: CandidateData[] = [];
  closed = false;
  rejectAnswer = false;

  addTransceiver(trackOrKind: MediaStreamTrack | 'audio' | 'video') {
    const kind = typeof trackOrKind === 'string' ? trackOrKind : trackOrKind.kind;
    const sender = {
      track: typeof trackOrKind === 'string' ? null : trackOrKind,
      async replaceTrack(track: MediaStreamTrack | null) {
        sender.track = track;
      },
    };
    this.transceivers.push({ kind, sender });
    return { sender };
  }
  async createOffer() {
    return { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' };
  }
  async setLocalDescription() {}
  async setRemoteDescription(d: { type: 'answer'; sdp: string }) {
    if (this.rejectAnswer) throw new Error('Failed to parse SessionDescription');
    this.remote = d;
  }
  async addIceCandidate(c: CandidateData) {
    this.candidates.push(c);
  }
  close() {
    this.closed = true;
  }
  gather(candidate: string | null) {
    this.onicecandidate?.({
      candidate: candidate === null ? null : { toJSON: () => ({ candidate, sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'uf' }) },
    });
  }
  state(s: string) {
    this.connectionState = s;
    this.onconnectionstatechange?.();
  }
}

function fakeTrack(kind: 'audio' | 'video') {
  const track = {
    kind,
    enabled: true,
    stopped: false,
    stop() {
      track.stopped = true;
    },
  };
  return track as unknown as MediaStreamTrack & { stopped: boolean };
}

function setup(options: { micFails?: boolean; answerTimeoutMs?: number } = {}) {
  const channel = new FakeChannel();
  const peers: FakePeer[] = [];
  const mic = fakeTrack('audio');
  const session = new CallSession({
    channel,
    createPeer: () => {
      const p = new FakePeer();
      peers.push(p);
      return p;
    },
    microphone: async () => {
      if (options.micFails) throw new DOMException('Permission denied', 'NotAllowedError');
      return mic;
    },
    answerTimeoutMs: options.answerTimeoutMs ?? 20_000,
    now: () => 0,
  });
  const states: string[] = [];
  session.listen({ state: (s) => states.push(s) });
  return { channel, peers, mic, session, states, peer: () => peers.at(-1)! };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

afterEach(() => {
  vi.useRealTimers();
});

describe('call signalling', () => {
  it('connects MQTT, subscribes, then publishes a well-formed offer on the proxy topic', async () => {
    const { channel, session, states } = setup();
    await session.connect();
    expect(channel.subscribed).toEqual([`$webrtc/${ID}`, `$message/${ID}`]);
    expect(channel.published[0]).toEqual({
      topic: `$webrtc/${ID}/multimedia_proxy`,
      body: { type: 'sdp_offer', data: { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' } },
    });
    expect(states).toEqual(['mqtt', 'offering']);
    expect(session.log.map((e) => e.key)).toEqual([
      'logStep1',
      'logMqttConnected',
      'logStep2',
      'logSubscribing',
      'logSubscribed',
      'logMicOn',
      'logCreatingOffer',
      'logOfferCreated',
      'logOfferSent',
    ]);
  });

  it('offers audio and video from the start so the camera can be switched without a new offer', async () => {
    const { session, peer, mic } = setup();
    const camera = fakeTrack('video');
    await session.connect();
    expect(peer().transceivers.map((t) => [t.kind, t.sender.track])).toEqual([
      ['audio', mic],
      ['video', null],
    ]);
    session.setVideoTrack(camera);
    await flush();
    expect(peer().transceivers[1]!.sender.track).toBe(camera);
    session.setVideoTrack(null);
    await flush();
    expect(peer().transceivers[1]!.sender.track).toBeNull();
  });

  it('sends candidates found before the offer went out after it, in order', async () => {
    const { channel, session, peer } = setup();
    const connecting = session.connect();
    await vi.waitFor(() => expect(peer()).toBeDefined());
    peer().gather('candidate:1 1 udp 2122260223 192.168.1.2 50000 typ host');
    await connecting;
    peer().gather('candidate:2 1 udp 1686052607 1.2.3.4 50001 typ srflx raddr 0.0.0.0 rport 0');
    peer().gather(null);
    expect(channel.types()).toEqual(['sdp_offer', 'ice_candidate', 'ice_candidate']);
    expect(channel.published[1]!.body).toEqual({
      type: 'ice_candidate',
      data: { candidate: 'candidate:1 1 udp 2122260223 192.168.1.2 50000 typ host', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'uf' },
    });
    expect(session.log.at(-1)).toMatchObject({ key: 'logGatheringDone', params: { count: 2 } });
  });

  it('applies an answer given as an object or as a bare SDP string', async () => {
    for (const data of [{ type: 'answer', sdp: 'v=0 answer' }, 'v=0 answer']) {
      const { channel, session, peer } = setup();
      await session.connect();
      channel.signal({ type: 'sdp_answer', data });
      await flush();
      expect(peer().remote).toEqual({ type: 'answer', sdp: 'v=0 answer' });
      expect(session.state).toBe('answered');
    }
  });

  it('keeps remote candidates that overtake the answer until the answer is applied', async () => {
    const { channel, session, peer } = setup();
    await session.connect();
    const candidate = { candidate: 'candidate:9 1 udp 1 10.0.0.1 4000 typ host', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'x' };
    channel.signal({ type: 'ice_candidate', data: candidate });
    expect(peer().candidates).toEqual([]);
    channel.signal({ type: 'sdp_answer', data: { type: 'answer', sdp: 'v=0' } });
    await flush();
    expect(peer().candidates).toEqual([candidate]);
    channel.signal({ type: 'ice_candidate', data: { candidate: '', sdpMid: null } });
    expect(peer().candidates.at(-1)).toEqual({ candidate: '', sdpMid: null, sdpMLineIndex: null, usernameFragment: null });
  });

  it('is connected when the peer connection is, and fails with it', async () => {
    const { channel, session, peer, states, mic } = setup();
    await session.connect();
    channel.signal({ type: 'sdp_answer', data: { type: 'answer', sdp: 'v=0' } });
    await flush();
    peer().state('connected');
    expect(session.state).toBe('connected');
    expect(session.log.some((e) => e.key === 'logConnected')).toBe(true);
    peer().state('failed');
    expect(states).toEqual(['mqtt', 'offering', 'answered', 'connected', 'failed']);
    expect(peer().closed).toBe(true);
    expect((mic as unknown as { stopped: boolean }).stopped).toBe(true);
    expect(channel.closes).toBe(1);
  });

  it('ends the call on webrtc_terminated and shows the reason', async () => {
    const { channel, session, peer } = setup();
    await session.connect();
    channel.signal({ type: 'webrtc_terminated', reason: 'ICE did not connect within 30 s' });
    expect(session.state).toBe('terminated');
    expect(session.terminationReason).toBe('ICE did not connect within 30 s');
    expect(session.log.at(-1)).toMatchObject({ key: 'logTerminated', params: { reason: 'ICE did not connect within 30 s' } });
    expect(peer().closed).toBe(true);
    // and a new call can start
    await session.connect();
    expect(session.state).toBe('offering');
    expect(channel.connects).toBe(2);
  });

  it('ignores an answer nobody waits for, and logs invalid or unknown signalling', async () => {
    const { channel, session, peer } = setup();
    await session.connect();
    channel.signal({ type: 'sdp_answer', data: { type: 'answer', sdp: 'v=0' } });
    await flush();
    channel.signal({ type: 'sdp_answer', data: { type: 'answer', sdp: 'v=0 again' } });
    channel.signal('not json');
    channel.signal({ type: 'sdp_answer', data: { type: 'answer' } });
    channel.signal({ type: 'renegotiate' });
    await flush();
    expect(peer().remote?.sdp).toBe('v=0');
    expect(session.log.slice(-4).map((e) => e.key)).toEqual(['logAnswerIgnored', 'logInvalidSignal', 'logInvalidSignal', 'logUnknownSignal']);
  });

  it('fails when the answer cannot be applied', async () => {
    const { channel, session, peer } = setup();
    await session.connect();
    peer().rejectAnswer = true;
    channel.signal({ type: 'sdp_answer', data: 'garbage' });
    await flush();
    expect(session.state).toBe('failed');
    expect(session.log.at(-1)?.key).toBe('logBadAnswer');
  });

  it('gives up when no answer comes in time', async () => {
    vi.useFakeTimers();
    const { session, peer } = setup({ answerTimeoutMs: 5000 });
    await session.connect();
    vi.advanceTimersByTime(5000);
    expect(session.state).toBe('failed');
    expect(session.log.at(-1)).toMatchObject({ key: 'logNoAnswer', params: { seconds: 5 } });
    expect(peer().closed).toBe(true);
  });

  it('fails with the reason when MQTT cannot connect', async () => {
    const { channel, session, peers } = setup();
    channel.failConnect = new Error('MQTT over WebSocket did not connect within 15 s');
    await session.connect();
    expect(session.state).toBe('failed');
    expect(session.log.at(-1)).toMatchObject({ key: 'logError', params: { error: 'MQTT over WebSocket did not connect within 15 s' } });
    expect(peers).toEqual([]);
  });

  it('still offers, receive-only, when there is no microphone', async () => {
    const { channel, session, peer } = setup({ micFails: true });
    await session.connect();
    expect(channel.types()).toEqual(['sdp_offer']);
    expect(peer().transceivers[0]).toMatchObject({ kind: 'audio', sender: { track: null } });
    expect(session.log.find((e) => e.key === 'logMicFailed')?.params).toEqual({ error: 'Permission denied' });
  });

  it('mutes the microphone without a new offer, also before the call', async () => {
    const { session, mic, channel } = setup();
    session.setMicEnabled(false);
    await session.connect();
    expect(mic.enabled).toBe(false);
    session.setMicEnabled(true);
    expect(mic.enabled).toBe(true);
    expect(channel.types()).toEqual(['sdp_offer']);
  });

  it('sends typed text as chat only during a call', async () => {
    const { channel, session } = setup();
    await expect(session.sendText('hi')).rejects.toThrow();
    await session.connect();
    await session.sendText('你好');
    expect(channel.published.at(-1)).toEqual({ topic: `$webrtc/${ID}/multimedia_proxy`, body: { type: 'chat', data: '你好' } });
  });

  it('passes voice events on and ignores signalling after disconnect', async () => {
    const { channel, session, peer } = setup();
    const events: unknown[] = [];
    session.listen({ voiceEvent: (e) => events.push(e) });
    await session.connect();
    channel.event({ type: 'asr_response', format: 'merged', results: 'turn on the camera' });
    const handler = channel.handler!;
    session.disconnect();
    expect(session.state).toBe('idle');
    expect(peer().closed).toBe(true);
    handler(`$webrtc/${ID}`, encode({ type: 'webrtc_terminated', reason: 'late' }));
    expect(session.state).toBe('idle');
    expect(events).toEqual([{ type: 'asr_response', text: 'turn on the camera', final: true }]);
  });

  it('tells the proxy on hang-up (webrtc_terminated with a reason) as the call connection closes', async () => {
    const { channel, session } = setup();
    await session.connect();
    session.disconnect();
    expect(channel.farewells).toEqual([
      { topic: `$webrtc/${ID}/multimedia_proxy`, body: { type: 'webrtc_terminated', reason: 'the user hung up' } },
    ]);
  });

  it('tells the proxy when the page gives up on a call, but not when the proxy ended it', async () => {
    vi.useFakeTimers();
    const { channel, session } = setup({ answerTimeoutMs: 1000 });
    await session.connect();
    vi.advanceTimersByTime(1000);
    expect(channel.farewells.at(-1)).toEqual({
      topic: `$webrtc/${ID}/multimedia_proxy`,
      body: { type: 'webrtc_terminated', reason: 'no sdp_answer within 1 s' },
    });
    await session.connect();
    channel.signal({ type: 'webrtc_terminated', reason: 'ICE did not connect within 30 s' });
    expect(channel.closes).toBe(2);
    expect(channel.farewells.at(-1)).toBeUndefined();
  });

  it('has nothing to tell the proxy when it hangs up before the offer went out', async () => {
    const { channel, session } = setup();
    const connecting = session.connect();
    session.disconnect();
    await connecting;
    expect(channel.farewells).toEqual([undefined]);
  });

  it('stops setting up when disconnected halfway', async () => {
    const { channel, session, peers } = setup();
    const connecting = session.connect();
    session.disconnect();
    await connecting;
    expect(session.state).toBe('idle');
    expect(channel.published).toEqual([]);
    expect(peers.every((p) => p.closed)).toBe(true);
  });

  it('logs MQTT interruptions during a call', async () => {
    const { channel, session } = setup();
    await session.connect();
    channel.interruption!('lost');
    channel.interruption!('back');
    expect(session.log.slice(-2).map((e) => e.key)).toEqual(['logMqttLost', 'logMqttBack']);
  });

  it('names candidate types for the log', () => {
    expect(candidateKind('candidate:1 1 udp 1 1.2.3.4 5 typ relay raddr 0.0.0.0')).toBe('relay');
    expect(candidateKind('')).toBe('end-of-candidates');
    expect(candidateKind('garbage')).toBe('unknown');
  });
});

describe('signalling payloads', () => {
  it('reads webrtc_terminated with or without a reason', () => {
    expect(parseSignal(encode({ type: 'webrtc_terminated', reason: 'bye' }))).toEqual({ type: 'webrtc_terminated', reason: 'bye' });
    expect(parseSignal(encode({ type: 'webrtc_terminated' }))).toEqual({ type: 'webrtc_terminated', reason: '' });
  });

  it('refuses candidates without a candidate string', () => {
    expect(parseSignal(encode({ type: 'ice_candidate', data: { sdpMid: '0' } }))).toBeNull();
    expect(parseSignal(encode({ type: 'ice_candidate', data: { candidate: 'c', sdpMLineIndex: -1 } }))).toEqual({
      type: 'ice_candidate',
      candidate: { candidate: 'c', sdpMid: null, sdpMLineIndex: null, usernameFragment: null },
    });
  });

  it('reads the voice events', () => {
    expect(parseVoiceEvent(encode({ type: 'asr_response', format: 'raw', results: [{ text: 'hel' }, 'lo'] }))).toEqual({
      type: 'asr_response',
      text: 'hello',
      final: false,
    });
    expect(parseVoiceEvent(encode({ type: 'tts_begin', task_id: 't1' }))).toEqual({ type: 'tts_begin', taskId: 't1' });
    expect(parseVoiceEvent(encode({ type: 'tts_text', task_id: 't1', text: 'Hi' }))).toEqual({ type: 'tts_text', taskId: 't1', text: 'Hi' });
    expect(parseVoiceEvent(encode({ type: 'tts_complete', task_id: 't1' }))).toEqual({ type: 'tts_complete', taskId: 't1' });
    expect(parseVoiceEvent(encode({ type: 'tts_terminate', task_id: 't1' }))).toEqual({ type: 'tts_terminate', taskId: 't1' });
    expect(parseVoiceEvent(encode({ type: 'message', payload: { type: 'loading', status: 'processing' } }))).toEqual({ type: 'loading', processing: true });
    expect(parseVoiceEvent(encode({ type: 'message', payload: { type: 'loading', status: 'complete' } }))).toEqual({ type: 'loading', processing: false });
    expect(parseVoiceEvent(encode({ type: 'message', payload: { type: 'loading', status: 'maybe' } }))).toBeNull();
    expect(parseVoiceEvent(encode({ type: 'tts_text', task_id: 't1' }))).toBeNull();
    expect(parseVoiceEvent(encode({ type: 'other' }))).toBeNull();
    expect(parseVoiceEvent(encode('[1]'))).toBeNull();
  });
});
