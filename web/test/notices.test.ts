import { describe, expect, it } from 'vitest';
import { translator } from '../src/i18n';
import { noticeText } from '../src/chat/notices';

const en = translator('en');
const zh = translator('zh');
const notice = (message: string, code?: string, params?: Record<string, string>) => ({
  type: 'system_message' as const,
  message,
  timestamp: '',
  ...(code ? { code } : {}),
  ...(params ? { params } : {}),
});

describe('noticeText', () => {
  it('says a coded notice in the page language, whatever the service language', () => {
    expect(noticeText(en, notice('Alice 加入了聊天室', 'USER_JOINED', { username: 'Alice', source: 'web' }))).toBe('Alice joined the room');
    expect(noticeText(en, notice('MQTT用户 S 加入了聊天室', 'USER_JOINED', { username: 'S', source: 'mqtt' }))).toBe('MQTT user S joined the room');
    expect(noticeText(zh, notice('Bob left the chat room', 'USER_LEFT', { username: 'Bob', source: 'web' }))).toBe('Bob 离开了聊天室');
    expect(noticeText(en, notice('MQTT服务已连接', 'SERVICE_CONNECTED'))).toBe('The chat service is connected');
    expect(noticeText(en, notice('x', 'AI_FAILED', { assistant: 'Assistant', asker: 'Al', reason: 'TIMEOUT', seconds: '120' }))).toBe(
      'Assistant could not answer @Al: the reply took too long; please ask again.',
    );
  });

  it('falls back to the service text for a notice without a code or with an unknown one', () => {
    expect(noticeText(en, notice('服务通知'))).toBe('服务通知');
    expect(noticeText(en, notice('新的', 'SOMETHING_NEW', {}))).toBe('新的');
    expect(noticeText(en, notice('原文', 'AI_FAILED', { reason: 'NEW_REASON' }))).toBe('原文');
  });
});
