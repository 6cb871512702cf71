// One call: the device side of WebRTC signalling over MQTT (PROTOCOL.md §3). The page is always the offerer:
// MQTT connect → subscribe $webrtc/{id} and $message/{id} → offer → answer → trickled candidates both ways → media.
// Every step goes into a log the page shows, the way the seed's step-by-step log reads.

import type { MessageKey } from '../i18n/messages';
import {
  eventsTopic,
  hangUp,
  parseSignal,
  parseVoiceEvent,
  proxyTopic,
  signallingTopic,
  type CandidateData,
  type OutboundSignal,
  type VoiceEvent,
} from './protocol';

export type CallState = 'idle' | 'mqtt' | 'offering' | 'answered' | 'connected' | 'failed' | 'terminated';

export interface LogEntry {
  time: number;
  level: 'info' | 'ok' | 'warn' | 'error';
  key: MessageKey;
  params?: Record<string, string | number>;
}

/** The call's own MQTT connection. */
export interface SignallingChannel {
  readonly clientId: string;
  /** Resolves once connected; rejects when the broker cannot be reached in time. */
  connect(): Promise<void>;
  /** Resolves once the broker granted the subscriptions. */
  subscribe(topics: readonly string[], handler: (topic: string, payload: Uint8Array) => void): Promise<() => void>;
  publish(topic: string, body: OutboundSignal): Promise<void>;
  /** Told 'lost' when the connection drops and 'back' when it is up again. */
  onInterruption(listener: (what: 'lost' | 'back') => void): () => void;
  /** Closes the connection; with a farewell, once that is published (or could not be). */
  close(farewell?: { topic: string; body: OutboundSignal }): void;
}

export interface SenderLike {
  replaceTrack(track: MediaStreamTrack | null): Promise<void>;
}

/** The part of RTCPeerConnection a call uses (a fake one in the tests). */
export interface PeerLike {
  addTransceiver(trackOrKind: MediaStreamTrack | 'audio' | 'video', init: { direction: 'sendrecv' }): { sender: SenderLike };
  createOffer(): Promise<{ type?: string; sdp?: string }>;
  setLocalDescription(description: { type?: string; sdp?: string }): Promise<void>;
  setRemoteDescription(description: { type: 'answer'; sdp: string }): Promise<void>;
  addIceCandidate(candidate: CandidateData): Promise<void>;
  close(): void;
  readonly connectionState: string;
  onicecandidate: ((event: { candidate: { toJSON(): { candidate?: string; sdpMid?: string | null; sdpMLineIndex?: number | null; usernameFragment?: string | null } } | null }) => void) | null;
  ontrack: ((event: { track: MediaStreamTrack }) => void) | null;
  onconnectionstatechange: (() => void) | null;
}

export interface CallDeps {
  channel: SignallingChannel;
  createPeer(config: { iceServers: RTCIceServer[] }): PeerLike;
  /** The microphone; rejects when there is none or it is not allowed. */
  microphone(): Promise<MediaStreamTrack>;
  iceServers?: RTCIceServer[];
  answerTimeoutMs?: number;
  now?: () => number;
}

export interface CallListener {
  state?(state: CallState): void;
  log?(entry: LogEntry): void;
  voiceEvent?(event: VoiceEvent): void;
  remoteTrack?(track: MediaStreamTrack | null): void;
}

const MAX_LOG = 200;

/** `typ host` / `typ srflx` / `typ relay` of a candidate line, for the log. */
export function candidateKind(candidate: string): string {
  if (candidate === '') return 'end-of-candidates';
  return /\btyp (\w+)/.exec(candidate)?.[1] ?? 'unknown';
}

export class CallSession {
  state: CallState = 'idle';
  /** Why the server ended the last call (webrtc_terminated). */
  terminationReason: string | null = null;
  readonly log: LogEntry[] = [];
  private readonly listeners = new Set<CallListener>();
  private generation = 0;
  private peer: PeerLike | null = null;
  private mic: MediaStreamTrack | null = null;
  private videoSender: SenderLike | null = null;
  private video: MediaStreamTrack | null = null;
  private micEnabled = true;
  private unsubscribe: (() => void) | null = null;
  private offInterruption: (() => void) | null = null;
  private offerSent = false;
  private pendingLocal: CandidateData[] = [];
  private pendingRemote: CandidateData[] = [];
  private localCount = 0;
  private answerTimer: ReturnType<typeof setTimeout> | undefined;
  private channelOpen = false;

  constructor(private readonly deps: CallDeps) {}

  get clientId(): string {
    return this.deps.channel.clientId;
  }

  /** True while a call is being set up or up: the text box may send `chat`. */
  get active(): boolean {
    return this.state === 'offering' || this.state === 'answered' || this.state === 'connected';
  }

  listen(listener: CallListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts a call; does nothing while one is being set up or up. */
  async connect(): Promise<void> {
    if (this.state !== 'idle' && this.state !== 'failed' && this.state !== 'terminated') return;
    const generation = ++this.generation;
    const current = () => generation === this.generation;
    const { channel } = this.deps;
    this.terminationReason = null;
    this.setState('mqtt');
    this.write('info', 'logStep1');
    try {
      this.channelOpen = true;
      await channel.connect();
      if (!current()) return;
      this.write('ok', 'logMqttConnected', { clientId: channel.clientId });
      this.offInterruption = channel.onInterruption((what) =>
        what === 'lost' ? this.write('warn', 'logMqttLost') : this.write('ok', 'logMqttBack'),
      );
      this.write('info', 'logStep2');
      const topics = [signallingTopic(channel.clientId), eventsTopic(channel.clientId)];
      this.write('info', 'logSubscribing', { topics: topics.join(', ') });
      const unsubscribe = await channel.subscribe(topics, (topic, payload) => this.onMessage(generation, topic, payload));
      if (!current()) return unsubscribe();
      this.unsubscribe = unsubscribe;
      this.write('ok', 'logSubscribed');
      await this.openPeer(current);
      if (!current()) return;
      await this.offer(current);
    } catch (e) {
      if (!current()) return;
      this.write('error', 'logError', { error: errorText(e) });
      this.teardown(errorText(e));
      this.setState('failed');
    }
  }

  private async openPeer(current: () => boolean): Promise<void> {
    try {
      this.mic = await this.deps.microphone();
      this.mic.enabled = this.micEnabled;
      this.write('ok', 'logMicOn');
    } catch (e) {
      this.write('warn', 'logMicFailed', { error: errorText(e) });
    }
    if (!current()) {
      this.mic?.stop();
      this.mic = null;
      return;
    }
    const peer = this.deps.createPeer({ iceServers: this.deps.iceServers ?? [] });
    this.peer = peer;
    peer.addTransceiver(this.mic ?? 'audio', { direction: 'sendrecv' });
    // a video transceiver from the start: the camera can be switched on and off later without a new offer
    this.videoSender = peer.addTransceiver(this.video ?? 'video', { direction: 'sendrecv' }).sender;
    if (this.video) this.write('info', 'logCameraSent');
    peer.onicecandidate = (event) => {
      if (!current()) return;
      if (!event.candidate) {
        this.write('info', 'logGatheringDone', { count: this.localCount });
        return;
      }
      const c = event.candidate.toJSON();
      const data: CandidateData = {
        candidate: c.candidate ?? '',
        sdpMid: c.sdpMid ?? null,
        sdpMLineIndex: c.sdpMLineIndex ?? null,
        usernameFragment: c.usernameFragment ?? null,
      };
      this.localCount++;
      if (this.offerSent) this.sendCandidate(data);
      else this.pendingLocal.push(data);
    };
    peer.ontrack = (event) => {
      if (!current()) return;
      this.write('ok', 'logRemoteTrack', { kind: event.track.kind });
      this.emit((l) => l.remoteTrack?.(event.track));
    };
    peer.onconnectionstatechange = () => {
      if (current()) this.onPeerState(peer.connectionState);
    };
  }

  private async offer(current: () => boolean): Promise<void> {
    const peer = this.peer!;
    this.write('info', 'logCreatingOffer');
    const offer = await peer.createOffer();
    if (!current()) return;
    this.write('ok', 'logOfferCreated');
    await peer.setLocalDescription(offer);
    if (!current()) return;
    if (!offer.sdp) throw new Error('the browser made an offer without SDP');
    await this.deps.channel.publish(proxyTopic(this.clientId), { type: 'sdp_offer', data: { type: 'offer', sdp: offer.sdp } });
    if (!current()) return;
    this.offerSent = true;
    this.setState('offering');
    this.write('info', 'logOfferSent');
    // candidates found while the offer was on its way follow it, in order
    const early = this.pendingLocal;
    this.pendingLocal = [];
    early.forEach((c) => this.sendCandidate(c));
    const timeout = this.deps.answerTimeoutMs ?? 20_000;
    this.answerTimer = setTimeout(() => {
      if (!current() || this.state !== 'offering') return;
      this.write('error', 'logNoAnswer', { seconds: Math.round(timeout / 1000) });
      this.teardown(`no sdp_answer within ${Math.round(timeout / 1000)} s`);
      this.setState('failed');
    }, timeout);
  }

  private sendCandidate(data: CandidateData): void {
    this.write('info', 'logCandidateSent', { kind: candidateKind(data.candidate) });
    this.deps.channel.publish(proxyTopic(this.clientId), { type: 'ice_candidate', data }).catch((e: unknown) => {
      this.write('warn', 'logError', { error: errorText(e) });
    });
  }

  private onMessage(generation: number, topic: string, payload: Uint8Array): void {
    if (generation !== this.generation) return;
    if (topic === eventsTopic(this.clientId)) {
      const event = parseVoiceEvent(payload);
      if (event) this.emit((l) => l.voiceEvent?.(event));
      return;
    }
    const signal = parseSignal(payload);
    if (!signal) {
      this.write('warn', 'logInvalidSignal', { payload: preview(payload) });
      return;
    }
    switch (signal.type) {
      case 'sdp_answer':
        void this.onAnswer(generation, topic, signal.sdp);
        return;
      case 'ice_candidate':
        this.onRemoteCandidate(signal.candidate);
        return;
      case 'webrtc_terminated':
        this.write('error', 'logTerminated', { reason: signal.reason || '—' });
        this.terminationReason = signal.reason;
        this.teardown();
        this.setState('terminated');
        return;
      case 'unknown':
        this.write('warn', 'logUnknownSignal', { type: signal.name });
    }
  }

  private async onAnswer(generation: number, topic: string, sdp: string): Promise<void> {
    const peer = this.peer;
    if (this.state !== 'offering' || !peer) {
      this.write('warn', 'logAnswerIgnored');
      return;
    }
    clearTimeout(this.answerTimer);
    this.setState('answered');
    this.write('ok', 'logAnswerReceived', { topic });
    try {
      await peer.setRemoteDescription({ type: 'answer', sdp });
    } catch (e) {
      if (generation !== this.generation) return;
      this.write('error', 'logBadAnswer', { error: errorText(e) });
      this.teardown(`the answer could not be applied: ${errorText(e)}`);
      this.setState('failed');
      return;
    }
    if (generation !== this.generation) return;
    const early = this.pendingRemote;
    this.pendingRemote = [];
    early.forEach((c) => this.addRemoteCandidate(c));
  }

  private onRemoteCandidate(candidate: CandidateData): void {
    if (!this.peer) return;
    this.write('info', 'logCandidateReceived', { kind: candidateKind(candidate.candidate) });
    // a candidate may overtake the answer: keep it until the remote description is set
    if (this.state === 'offering') this.pendingRemote.push(candidate);
    else this.addRemoteCandidate(candidate);
  }

  private addRemoteCandidate(candidate: CandidateData): void {
    this.peer?.addIceCandidate(candidate).catch((e: unknown) => this.write('warn', 'logBadCandidate', { error: errorText(e) }));
  }

  private onPeerState(state: string): void {
    if (state === 'connected' && this.state !== 'connected') {
      this.setState('connected');
      this.write('ok', 'logConnected');
    } else if (state === 'disconnected') {
      this.write('warn', 'logPeerDisconnected');
    } else if (state === 'failed') {
      this.write('error', 'logPeerFailed');
      this.teardown('the peer connection failed');
      this.setState('failed');
    }
  }

  /** Publishes typed text as `chat`, handled by the proxy like recognised speech. */
  async sendText(text: string): Promise<void> {
    if (!this.active) throw new Error('no call');
    await this.deps.channel.publish(proxyTopic(this.clientId), { type: 'chat', data: text });
  }

  /** Mutes or unmutes the microphone without a new offer. */
  setMicEnabled(enabled: boolean): void {
    this.micEnabled = enabled;
    if (this.mic) this.mic.enabled = enabled;
  }

  get micAvailable(): boolean {
    return this.mic !== null;
  }

  /** The camera's track (or null when it is off), sent on the call's video transceiver. */
  setVideoTrack(track: MediaStreamTrack | null): void {
    this.video = track;
    this.videoSender?.replaceTrack(track).catch((e: unknown) => this.write('warn', 'logError', { error: errorText(e) }));
  }

  /** Ends the call and releases what it holds (the camera belongs to the page and stays as it is). */
  disconnect(): void {
    if (this.state === 'idle') return;
    this.generation++;
    this.teardown('the user hung up');
    this.write('info', 'logDisconnected');
    this.setState('idle');
  }

  /**
   * Releases what the call holds. `hangUpReason`: the page ends a call it offered, and tells the proxy so
   * (`webrtc_terminated`) before its connection closes; without it (the proxy ended the call) nothing is sent.
   */
  private teardown(hangUpReason?: string): void {
    const offered = this.offerSent;
    clearTimeout(this.answerTimer);
    this.peer?.close();
    this.peer = null;
    this.videoSender = null;
    this.mic?.stop();
    this.mic = null;
    this.offerSent = false;
    this.pendingLocal = [];
    this.pendingRemote = [];
    this.localCount = 0;
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.offInterruption?.();
    this.offInterruption = null;
    if (this.channelOpen) {
      this.channelOpen = false;
      this.deps.channel.close(
        offered && hangUpReason !== undefined ? { topic: proxyTopic(this.clientId), body: hangUp(hangUpReason) } : undefined,
      );
    }
    this.emit((l) => l.remoteTrack?.(null));
  }

  private setState(state: CallState): void {
    if (state === this.state) return;
    this.state = state;
    this.emit((l) => l.state?.(state));
  }

  private write(level: LogEntry['level'], key: MessageKey, params?: Record<string, string | number>): void {
    const entry: LogEntry = params ? { time: (this.deps.now ?? Date.now)(), level, key, params } : { time: (this.deps.now ?? Date.now)(), level, key };
    this.log.push(entry);
    if (this.log.length > MAX_LOG) this.log.splice(0, this.log.length - MAX_LOG);
    this.emit((l) => l.log?.(entry));
  }

  private emit(call: (listener: CallListener) => void): void {
    this.listeners.forEach(call);
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message || e.name : String(e);
}

function preview(payload: Uint8Array): string {
  const text = new TextDecoder('utf-8').decode(payload.subarray(0, 120));
  return payload.length > 120 ? `${text}…` : text;
}
