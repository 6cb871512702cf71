// Wire payloads of the chat room, mirrored from PROTOCOL.md §1 (MQTT) and §2 (HTTP).
// Every inbound payload is checked field by field: the page trusts nothing it did not write itself.

/** Where a message came from (§1.2); unknown values are shown as they are. */
export type Source = 'mqtt' | 'web' | 'voice' | 'device' | 'http' | (string & {});

/** `…/messages/out` and history items: a user's message or the assistant's reply. */
export interface ChatMessage {
  type: 'user_message' | 'ai_response';
  username: string;
  content: string;
  /** The seed's ISO-8601 in UTC without offset, e.g. `2025-07-26T11:05:13.675321` (see `timeOf`). */
  timestamp: string;
  message_id: string;
  room?: string;
  client_id?: string;
  source?: Source;
  /** On `ai_response`: the `message_id` it answers. */
  reply_to?: string;
}

/** `…/system`. */
export interface SystemMessage {
  type: 'system_message';
  message: string;
  timestamp: string;
  /** Our addition: a stable code and its parameters, to say the notice in the page's language. */
  code?: string;
  params?: Record<string, string>;
}

/** `chatroom/clients/{client_id}/errors`. */
export interface ErrorReply {
  type: 'error';
  code: string;
  message: string;
  timestamp: string;
  /** The refused input's own `message_id`, when it carried one. */
  message_id?: string;
}

/** The assistant's MQTT client id and source, whatever display name it has. */
export const ASSISTANT_CLIENT_ID = 'ai-assistant';
export const ASSISTANT_SOURCE = 'ai';

/** Whether a member is the assistant: by its client id or source, never by its name, which anyone may take. */
export function isAssistant(user: { client_id?: string; source?: string }): boolean {
  return user.client_id === ASSISTANT_CLIENT_ID || user.source === ASSISTANT_SOURCE;
}

/** One member in `…/users/online`. */
export interface OnlineUser {
  client_id: string;
  username: string;
  source: Source;
  join_time: string;
}

/** `…/users/online`, retained. */
export interface OnlineList {
  room: string;
  /** The first members only when `truncated`. */
  users: OnlineUser[];
  /** How many members the room has (our addition; absent from older services: then `users.length`). */
  count: number;
  truncated: boolean;
  timestamp: string;
}

/** `…/messages/stream`: a piece of an assistant reply being written. */
export interface ReplyDelta {
  type: 'ai_response_delta';
  message_id: string;
  seq: number;
  delta: string;
  /** The reply broke off: no `ai_response` follows, so the piece written so far goes away. */
  aborted?: boolean;
}

/** The assistant took a question (`…/messages/stream`): its reply will carry `message_id`. */
export interface Thinking {
  type: 'ai_thinking';
  message_id: string;
  reply_to?: string;
  username?: string;
}

/** Someone is typing (`…/users/typing`), or stopped. */
export interface TypingEvent {
  client_id: string;
  username: string;
  typing: boolean;
}

/** Published on `…/messages/in`. */
export interface MessageInput {
  client_id: string;
  username: string;
  message: string;
  source: 'web';
  /** Idempotency key: a resend after a reconnect is stored once. */
  message_id: string;
}

/** Published on `…/users/join`. */
export interface JoinInput {
  client_id: string;
  username: string;
  source: 'web';
}

/** Published on `…/users/leave` (and the connection's will). */
export interface LeaveInput {
  client_id: string;
  /** Set by the will: the connection was lost, the page may be reloading (PROTOCOL.md §1.3). */
  reason?: 'connection_lost';
}

/** `GET /api/rooms/{room}/messages`. */
export interface HistoryResponse {
  success: true;
  room: string;
  messages: ChatMessage[];
}

/** `GET /api/config`. */
export interface PageConfig {
  mqtt_ws_url: string | null;
  default_room: string;
  auth_required: boolean;
  /**
   * Whether the broker takes tokens from `/api/mqtt/token` even where it does not require them (the embedded broker):
   * the voice page's call logs in with one, which keeps it out of the anonymous devices' share of the call slots.
   */
  tokens_accepted: boolean;
  assistant_name: string;
  /** Whether an assistant answers in this product; true when an older server does not say. */
  assistant_enabled: boolean;
  max_message_chars: number;
  max_username_chars: number;
  /** Silence after which the service drops a member it cannot tie to a connection; 0 = never. */
  member_idle_seconds: number;
  /** STUN/TURN servers for the voice page's calls; none unless the server names some. */
  ice_servers: IceServer[];
}

/** One entry of `ice_servers`, the shape RTCPeerConnection takes. */
export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

/** `POST /api/mqtt/token`. */
export interface MqttToken {
  username: string;
  password: string;
  client_id: string;
  expires_at: string;
}

type Json = Record<string, unknown>;

const decoder = new TextDecoder('utf-8');

/** The JSON object in an MQTT payload, or null when it is not one. */
export function decodeObject(payload: Uint8Array | string): Json | null {
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

function bool(o: Json, key: string): boolean | undefined {
  const v = o[key];
  return typeof v === 'boolean' ? v : undefined;
}

function int(o: Json, key: string): number | undefined {
  const v = o[key];
  return typeof v === 'number' && Number.isInteger(v) ? v : undefined;
}

export function parseChatMessage(value: unknown): ChatMessage | null {
  if (!isObject(value)) return null;
  const type = str(value, 'type');
  const username = str(value, 'username');
  const content = str(value, 'content');
  const timestamp = str(value, 'timestamp');
  const messageId = str(value, 'message_id');
  if ((type !== 'user_message' && type !== 'ai_response') || username === undefined || content === undefined) {
    return null;
  }
  if (timestamp === undefined || !messageId) return null;
  const message: ChatMessage = { type, username, content, timestamp, message_id: messageId };
  const room = str(value, 'room');
  const clientId = str(value, 'client_id');
  const source = str(value, 'source');
  const replyTo = str(value, 'reply_to');
  if (room !== undefined) message.room = room;
  if (clientId !== undefined) message.client_id = clientId;
  if (source !== undefined) message.source = source;
  if (replyTo !== undefined) message.reply_to = replyTo;
  return message;
}

export function parseSystemMessage(value: unknown): SystemMessage | null {
  if (!isObject(value)) return null;
  const message = str(value, 'message');
  if (message === undefined) return null;
  const parsed: SystemMessage = { type: 'system_message', message, timestamp: str(value, 'timestamp') ?? '' };
  const code = str(value, 'code');
  if (code) parsed.code = code;
  const params = value.params;
  if (isObject(params)) {
    parsed.params = Object.fromEntries(
      Object.entries(params).filter((e): e is [string, string] => typeof e[1] === 'string').map(([k, v]) => [k, v.slice(0, 200)]),
    );
  }
  return parsed;
}

export function parseErrorReply(value: unknown): ErrorReply | null {
  if (!isObject(value) || str(value, 'type') !== 'error') return null;
  const message = str(value, 'message');
  if (message === undefined) return null;
  const reply: ErrorReply = { type: 'error', code: str(value, 'code') ?? 'ERROR', message, timestamp: str(value, 'timestamp') ?? '' };
  const messageId = str(value, 'message_id');
  if (messageId) reply.message_id = messageId;
  return reply;
}

export function parseOnlineList(value: unknown): OnlineList | null {
  if (!isObject(value) || !Array.isArray(value.users)) return null;
  const users: OnlineUser[] = [];
  for (const u of value.users) {
    if (!isObject(u)) continue;
    const clientId = str(u, 'client_id');
    const username = str(u, 'username');
    if (!clientId || username === undefined) continue;
    users.push({ client_id: clientId, username, source: str(u, 'source') ?? 'mqtt', join_time: str(u, 'join_time') ?? '' });
  }
  const count = int(value, 'count') ?? users.length;
  const truncated = bool(value, 'truncated') === true;
  return { room: str(value, 'room') ?? '', users, count: Math.max(count, users.length), truncated, timestamp: str(value, 'timestamp') ?? '' };
}

export function parseReplyDelta(value: unknown): ReplyDelta | null {
  if (!isObject(value) || str(value, 'type') !== 'ai_response_delta') return null;
  const messageId = str(value, 'message_id');
  const seq = int(value, 'seq');
  const delta = str(value, 'delta');
  if (!messageId || seq === undefined || delta === undefined) return null;
  const parsed: ReplyDelta = { type: 'ai_response_delta', message_id: messageId, seq, delta };
  if (bool(value, 'aborted') === true) parsed.aborted = true;
  return parsed;
}

export function parseThinking(value: unknown): Thinking | null {
  if (!isObject(value) || str(value, 'type') !== 'ai_thinking') return null;
  const messageId = str(value, 'message_id');
  if (!messageId) return null;
  const parsed: Thinking = { type: 'ai_thinking', message_id: messageId };
  const replyTo = str(value, 'reply_to');
  const username = str(value, 'username');
  if (replyTo) parsed.reply_to = replyTo;
  if (username) parsed.username = username;
  return parsed;
}

export function parseTyping(value: unknown): TypingEvent | null {
  if (!isObject(value)) return null;
  const clientId = str(value, 'client_id');
  const username = str(value, 'username');
  if (!clientId || !username) return null;
  return { client_id: clientId, username: username.slice(0, 64), typing: bool(value, 'typing') !== false };
}

export function parseHistory(value: unknown): ChatMessage[] | null {
  if (!isObject(value) || value.success !== true || !Array.isArray(value.messages)) return null;
  return value.messages.map(parseChatMessage).filter((m): m is ChatMessage => m !== null);
}

export function parsePageConfig(value: unknown): PageConfig | null {
  if (!isObject(value)) return null;
  const url = value.mqtt_ws_url;
  const defaultRoom = str(value, 'default_room');
  if (!(url === null || typeof url === 'string') || !defaultRoom) return null;
  return {
    mqtt_ws_url: url,
    default_room: defaultRoom,
    auth_required: bool(value, 'auth_required') ?? false,
    tokens_accepted: bool(value, 'tokens_accepted') ?? false,
    assistant_name: str(value, 'assistant_name') || '智能助手',
    assistant_enabled: bool(value, 'assistant_enabled') ?? true,
    max_message_chars: int(value, 'max_message_chars') ?? 4000,
    max_username_chars: int(value, 'max_username_chars') ?? 32,
    member_idle_seconds: int(value, 'member_idle_seconds') ?? 0,
    ice_servers: parseIceServers(value.ice_servers),
  };
}

/** The usable entries of `ice_servers`: `urls` a string or a list of strings; the rest is dropped. */
export function parseIceServers(value: unknown): IceServer[] {
  if (!Array.isArray(value)) return [];
  const servers: IceServer[] = [];
  for (const entry of value) {
    if (typeof entry === 'string' && entry !== '') {
      servers.push({ urls: entry });
      continue;
    }
    if (!isObject(entry)) continue;
    const urls = entry.urls ?? entry.url;
    const list = typeof urls === 'string' ? [urls] : Array.isArray(urls) ? urls.filter((u): u is string => typeof u === 'string') : [];
    if (list.length === 0) continue;
    const server: IceServer = { urls: typeof urls === 'string' ? urls : list };
    const username = str(entry, 'username');
    const credential = str(entry, 'credential');
    if (username !== undefined) server.username = username;
    if (credential !== undefined) server.credential = credential;
    servers.push(server);
  }
  return servers;
}

export function parseMqttToken(value: unknown): MqttToken | null {
  if (!isObject(value)) return null;
  const username = str(value, 'username');
  const password = str(value, 'password');
  const expiresAt = str(value, 'expires_at');
  if (!username || !password || !expiresAt) return null;
  return { username, password, client_id: str(value, 'client_id') ?? '', expires_at: expiresAt };
}
