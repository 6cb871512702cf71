// Wire payloads of WebRTC signalling over MQTT (PROTOCOL.md §3) and the voice events (§4), mirrored as types.
// Inbound payloads are checked field by field; anything unusable becomes null and is logged, never thrown.

/** `$webrtc/{id}/multimedia_proxy`, device → proxy. */
export type OutboundSignal =
  | { type: 'sdp_offer'; data: { type: 'offer'; sdp: string } }
  | { type: 'ice_candidate'; data: CandidateData }
  | { type: 'chat'; data: string }
  | { type: 'webrtc_terminated'; reason: string };

/**
 * The device ends its call (PROTOCOL.md §3: `webrtc_terminated`, no data, a top-level reason): published on hang-up,
 * and set as the call connection's MQTT will so that the proxy ends the session at once when the page vanishes.
 */
export function hangUp(reason: string): OutboundSignal {
  return { type: 'webrtc_terminated', reason };
}

/** The will's reason: the page went away without hanging up (tab closed, network gone). */
export const DEVICE_GONE = 'the device went away';

export interface CandidateData {
  candidate: string;
  sdpMid: string | null;
  sdpMLineIndex: number | null;
  usernameFragment: string | null;
}

/** `$webrtc/{id}`, proxy → device. */
export type InboundSignal =
  | { type: 'sdp_answer'; sdp: string }
  | { type: 'ice_candidate'; candidate: CandidateData }
  | { type: 'webrtc_terminated'; reason: string }
  | { type: 'unknown'; name: string };

/** `$message/{id}`, proxy → device. */
export type VoiceEvent =
  | { type: 'asr_response'; text: string; final: boolean }
  | { type: 'tts_begin'; taskId: string }
  | { type: 'tts_text'; taskId: string; text: string }
  | { type: 'tts_complete'; taskId: string }
  | { type: 'tts_terminate'; taskId: string }
  | { type: 'loading'; processing: boolean }
  | { type: 'notice'; text: string };

export function signallingTopic(id: string): string {
  return `$webrtc/${id}`;
}

export function eventsTopic(id: string): string {
  return `$message/${id}`;
}

export function proxyTopic(id: string): string {
  return `$webrtc/${id}/multimedia_proxy`;
}

type Json = Record<string, unknown>;
const decoder = new TextDecoder('utf-8');

function parseObject(payload: Uint8Array | string): Json | null {
  try {
    const value: unknown = JSON.parse(typeof payload === 'string' ? payload : decoder.decode(payload));
    return isObject(value) ? value : null;
  } catch {
    return null;
  }
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(o: Json, key: string): string | undefined {
  const v = o[key];
  return typeof v === 'string' ? v : undefined;
}

/** The task id as the seed spells it (`task_id`), tolerating `taskId`. */
function taskId(o: Json): string {
  return str(o, 'task_id') ?? str(o, 'taskId') ?? '';
}

export function parseCandidate(value: unknown): CandidateData | null {
  if (!isObject(value) || typeof value.candidate !== 'string') return null;
  const index = value.sdpMLineIndex;
  return {
    candidate: value.candidate,
    sdpMid: typeof value.sdpMid === 'string' ? value.sdpMid : null,
    sdpMLineIndex: typeof index === 'number' && Number.isInteger(index) && index >= 0 ? index : null,
    usernameFragment: typeof value.usernameFragment === 'string' ? value.usernameFragment : null,
  };
}

/** A signalling message from the proxy, or null when it is not JSON or misses what its type needs. */
export function parseSignal(payload: Uint8Array | string): InboundSignal | null {
  const message = parseObject(payload);
  if (!message) return null;
  const type = str(message, 'type');
  switch (type) {
    case 'sdp_answer': {
      // `data` is {type:"answer",sdp} — or, from some proxies, the bare SDP string
      const data = message.data;
      const sdp = typeof data === 'string' ? data : isObject(data) ? str(data, 'sdp') : undefined;
      return sdp ? { type: 'sdp_answer', sdp } : null;
    }
    case 'ice_candidate': {
      const candidate = parseCandidate(message.data);
      return candidate ? { type: 'ice_candidate', candidate } : null;
    }
    case 'webrtc_terminated': {
      const data = message.data;
      const reason = str(message, 'reason') ?? (isObject(data) ? str(data, 'reason') : undefined) ?? '';
      return { type: 'webrtc_terminated', reason };
    }
    default:
      return type ? { type: 'unknown', name: type } : null;
  }
}

/** The text of `asr_response` results: a string (merged) or an array of partial results (raw). */
function asrText(results: unknown): string | null {
  if (typeof results === 'string') return results;
  if (!Array.isArray(results)) return null;
  const parts: string[] = [];
  for (const r of results) {
    if (typeof r === 'string') parts.push(r);
    else if (isObject(r)) {
      const text = str(r, 'text') ?? str(r, 'result') ?? str(r, 'transcript');
      if (text !== undefined) parts.push(text);
    }
  }
  return parts.join('');
}

export function parseVoiceEvent(payload: Uint8Array | string): VoiceEvent | null {
  const message = parseObject(payload);
  if (!message) return null;
  switch (str(message, 'type')) {
    case 'asr_response': {
      const text = asrText(message.results);
      return text === null ? null : { type: 'asr_response', text, final: str(message, 'format') !== 'raw' };
    }
    case 'tts_begin':
      return { type: 'tts_begin', taskId: taskId(message) };
    case 'tts_text': {
      const text = str(message, 'text');
      return text === undefined ? null : { type: 'tts_text', taskId: taskId(message), text };
    }
    case 'tts_complete':
      return { type: 'tts_complete', taskId: taskId(message) };
    case 'tts_terminate':
      return { type: 'tts_terminate', taskId: taskId(message) };
    case 'message': {
      const inner = message.payload;
      if (!isObject(inner)) return null;
      if (str(inner, 'type') === 'loading') {
        const status = str(inner, 'status');
        return status === 'processing' || status === 'complete' ? { type: 'loading', processing: status === 'processing' } : null;
      }
      const text = str(inner, 'text') ?? str(inner, 'message');
      return text ? { type: 'notice', text } : null;
    }
    default:
      return null;
  }
}
