import { describe, expect, it } from 'vitest';
import {
  decodeObject,
  parseChatMessage,
  parseErrorReply,
  parseHistory,
  parseMqttToken,
  parseOnlineList,
  isAssistant,
  parsePageConfig,
  parseReplyDelta,
  parseSystemMessage,
} from '../src/chat/protocol';

const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

describe('decodeObject', () => {
  it('reads a UTF-8 JSON object from an MQTT payload', () => {
    expect(decodeObject(encode({ message: '你好世界' }))).toEqual({ message: '你好世界' });
  });

  it('is null for anything that is not a JSON object', () => {
    expect(decodeObject(new TextEncoder().encode('hello'))).toBeNull();
    expect(decodeObject(encode([1, 2]))).toBeNull();
    expect(decodeObject(encode('text'))).toBeNull();
    expect(decodeObject(encode(null))).toBeNull();
    expect(decodeObject(new Uint8Array([0xff, 0xfe]))).toBeNull();
  });
});

describe('parseChatMessage', () => {
  const full = {
    type: 'user_message',
    username: '张三',
    content: '你好世界',
    timestamp: '2025-07-26T11:05:13.675321+08:00',
    message_id: '0190f5a4-0000-7000-8000-000000000001',
    room: 'main',
    client_id: 'mqtt_client_001',
    source: 'mqtt',
  };

  it('reads the full shape of messages/out', () => {
    expect(parseChatMessage(full)).toEqual(full);
  });

  it('reads the seed shape with only the five seed fields', () => {
    const seed = { type: 'user_message', username: 'a', content: 'b', timestamp: '2025-07-26T11:05:13.675321', message_id: 'x' };
    expect(parseChatMessage(seed)).toEqual(seed);
  });

  it('keeps reply_to of an assistant reply', () => {
    const reply = { ...full, type: 'ai_response', username: '智能助手', reply_to: 'abc' };
    expect(parseChatMessage(reply)?.reply_to).toBe('abc');
  });

  it('refuses other types, missing fields and wrong field types', () => {
    expect(parseChatMessage({ ...full, type: 'system_message' })).toBeNull();
    expect(parseChatMessage({ ...full, content: 5 })).toBeNull();
    expect(parseChatMessage({ ...full, message_id: '' })).toBeNull();
    const { username: _u, ...noUser } = full;
    expect(parseChatMessage(noUser)).toBeNull();
    expect(parseChatMessage('text')).toBeNull();
  });

  it('drops optional fields of the wrong type and ignores unknown fields', () => {
    const parsed = parseChatMessage({ ...full, room: 7, extra: '<b>' });
    expect(parsed).not.toHaveProperty('room');
    expect(parsed).not.toHaveProperty('extra');
  });
});

describe('other payloads', () => {
  it('reads the retained member list and skips broken members', () => {
    const list = parseOnlineList({
      room: 'main',
      users: [
        { client_id: 'a', username: 'Ann', source: 'web', join_time: 't' },
        { client_id: 'b', username: 'Dev' },
        { username: 'no id' },
        'junk',
      ],
      timestamp: 't',
    });
    expect(list?.users).toEqual([
      { client_id: 'a', username: 'Ann', source: 'web', join_time: 't' },
      { client_id: 'b', username: 'Dev', source: 'mqtt', join_time: '' },
    ]);
    expect(parseOnlineList({ users: 'none' })).toBeNull();
  });

  it('reads the count of a truncated member list, and counts the users of a list without one', () => {
    const big = parseOnlineList({ room: 'crowd', users: [{ client_id: 'a', username: 'Ann' }], count: 1000, truncated: true, timestamp: 't' });
    expect(big?.count).toBe(1000);
    expect(big?.truncated).toBe(true);
    const seed = parseOnlineList({ room: 'main', users: [{ client_id: 'a', username: 'Ann' }], timestamp: 't' });
    expect(seed?.count).toBe(1);
    expect(seed?.truncated).toBe(false);
  });

  it('reads a reply delta with an integer sequence number', () => {
    expect(parseReplyDelta({ type: 'ai_response_delta', message_id: 'm', seq: 2, delta: 'lo' })).toEqual({
      type: 'ai_response_delta',
      message_id: 'm',
      seq: 2,
      delta: 'lo',
    });
    expect(parseReplyDelta({ type: 'ai_response_delta', message_id: 'm', seq: 1.5, delta: 'x' })).toBeNull();
    expect(parseReplyDelta({ type: 'ai_response_delta', message_id: 'm', seq: 3, delta: '', aborted: true })).toEqual({
      type: 'ai_response_delta',
      message_id: 'm',
      seq: 3,
      delta: '',
      aborted: true,
    });
    expect(parseReplyDelta({ type: 'ai_response_delta', message_id: 'm', seq: 3, delta: '', aborted: 'yes' })?.aborted).toBeUndefined();
    expect(parseReplyDelta({ type: 'other', message_id: 'm', seq: 1, delta: 'x' })).toBeNull();
  });

  it('reads system notices and error replies', () => {
    expect(parseSystemMessage({ type: 'system_message', message: 'MQTT服务已连接', timestamp: 't' })?.message).toBe(
      'MQTT服务已连接',
    );
    expect(parseSystemMessage({ type: 'system_message' })).toBeNull();
    expect(parseErrorReply({ type: 'error', code: 'RATE_LIMITED', message: 'slow down', timestamp: 't' })?.code).toBe(
      'RATE_LIMITED',
    );
    expect(parseErrorReply({ type: 'system_message', message: 'x' })).toBeNull();
    expect(parseErrorReply({ type: 'error', code: 'TOO_LARGE', message: 'long', timestamp: 't', message_id: 'm-1' })?.message_id).toBe('m-1');
    expect(parseErrorReply({ type: 'error', code: 'TOO_LARGE', message: 'long', timestamp: 't' })).not.toHaveProperty('message_id');
  });

  it('reads history and leaves out broken items', () => {
    const good = { type: 'user_message', username: 'a', content: 'b', timestamp: 't', message_id: 'm1' };
    expect(parseHistory({ success: true, room: 'main', messages: [good, { type: 'user_message' }] })).toEqual([good]);
    expect(parseHistory({ success: false, error: { code: 'X' } })).toBeNull();
  });

  it('reads the page config with defaults for what an older server leaves out', () => {
    expect(parsePageConfig({ mqtt_ws_url: 'ws://h:8083/mqtt', default_room: 'main' })).toEqual({
      mqtt_ws_url: 'ws://h:8083/mqtt',
      default_room: 'main',
      auth_required: false,
      tokens_accepted: false,
      assistant_name: '智能助手',
      assistant_enabled: true,
      max_message_chars: 4000,
      max_username_chars: 32,
      member_idle_seconds: 0,
      ice_servers: [],
    });
    expect(parsePageConfig({ mqtt_ws_url: null, default_room: 'main', member_idle_seconds: 3600 })?.member_idle_seconds).toBe(3600);
    expect(parsePageConfig({ mqtt_ws_url: null, default_room: 'main', assistant_enabled: false })?.assistant_enabled).toBe(false);
    expect(parsePageConfig({ mqtt_ws_url: null, default_room: 'main' })?.mqtt_ws_url).toBeNull();
    expect(parsePageConfig({ mqtt_ws_url: null, default_room: 'main', tokens_accepted: true })?.tokens_accepted).toBe(true);
    expect(parsePageConfig({ mqtt_ws_url: 3, default_room: 'main' })).toBeNull();
  });

  it('reads the ICE servers for calls, dropping entries without urls', () => {
    const config = parsePageConfig({
      mqtt_ws_url: null,
      default_room: 'main',
      ice_servers: [
        { urls: 'stun:stun.example.com:3478' },
        { urls: ['turn:t.example.com:3478', 7], username: 'u', credential: 'c' },
        'stun:bare.example.com',
        { username: 'no-urls' },
        42,
      ],
    });
    expect(config?.ice_servers).toEqual([
      { urls: 'stun:stun.example.com:3478' },
      { urls: ['turn:t.example.com:3478'], username: 'u', credential: 'c' },
      { urls: 'stun:bare.example.com' },
    ]);
    expect(parsePageConfig({ mqtt_ws_url: null, default_room: 'main', ice_servers: 'stun:x' })?.ice_servers).toEqual([]);
  });

  it('reads an MQTT token', () => {
    const token = { username: 'web-token', password: '1.abc', client_id: 'web_x', expires_at: '2026-01-01T00:00:00Z' };
    expect(parseMqttToken(token)).toEqual(token);
    expect(parseMqttToken({ username: 'web-token' })).toBeNull();
  });
});

describe('isAssistant', () => {
  it('knows the assistant by client id or source, not by a name anyone may take', () => {
    expect(isAssistant({ client_id: 'ai-assistant', source: 'ai' })).toBe(true);
    expect(isAssistant({ client_id: 'x', source: 'ai' })).toBe(true);
    expect(isAssistant({ client_id: 'web_abc_1', source: 'web' })).toBe(false);
    expect(isAssistant({ client_id: 'web_abc_1' })).toBe(false);
  });
});

describe('thinking and typing events', () => {
  it('reads ai_thinking and typing events and refuses malformed ones', async () => {
    const { parseThinking, parseTyping } = await import('../src/chat/protocol');
    expect(parseThinking({ type: 'ai_thinking', message_id: 'r', reply_to: 'q', username: 'AI' })).toEqual({
      type: 'ai_thinking',
      message_id: 'r',
      reply_to: 'q',
      username: 'AI',
    });
    expect(parseThinking({ type: 'ai_response_delta', message_id: 'r' })).toBeNull();
    expect(parseTyping({ client_id: 'c', username: 'Bo', typing: true })).toEqual({ client_id: 'c', username: 'Bo', typing: true });
    expect(parseTyping({ client_id: 'c', username: 'Bo', typing: false })?.typing).toBe(false);
    expect(parseTyping({ client_id: 'c' })).toBeNull();
    expect(parseTyping({ client_id: 'c', username: 'x'.repeat(500) })?.username).toHaveLength(64);
  });
});
