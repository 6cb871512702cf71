import { describe, expect, it } from 'vitest';
import { colourIndex, initials, AVATAR_COLOURS } from '../src/chat/avatar';
import { isOwnClientId, newClientId, uuid } from '../src/chat/ids';
import { errorsTopic, isValidRoom, roomFromHash, roomTopics } from '../src/chat/topics';

describe('roomFromHash', () => {
  it('reads the room from #room and #/room', () => {
    expect(roomFromHash('#lab', 'main')).toBe('lab');
    expect(roomFromHash('#/lab_2', 'main')).toBe('lab_2');
    expect(roomFromHash('', 'main')).toBe('main');
  });

  it('falls back to the default room for a hash that cannot be decoded or names no valid room', () => {
    expect(roomFromHash('#50%', 'main')).toBe('main');
    expect(roomFromHash('#%E0%A4%A', 'main')).toBe('main');
    expect(roomFromHash('#a%2Fb', 'main')).toBe('main');
    expect(roomFromHash('#messages', 'main')).toBe('main');
    expect(roomFromHash(`#${'x'.repeat(65)}`, 'main')).toBe('main');
  });
});

describe('topics', () => {
  it('uses the seed topics for the default room', () => {
    expect(roomTopics('main', 'main')).toEqual({
      in: 'chatroom/messages/in',
      out: 'chatroom/messages/out',
      stream: 'chatroom/messages/stream',
      join: 'chatroom/users/join',
      leave: 'chatroom/users/leave',
      online: 'chatroom/users/online',
      system: 'chatroom/system',
      typing: 'chatroom/users/typing',
    });
  });

  it('puts other rooms under chatroom/<room>/', () => {
    expect(roomTopics('lab-2', 'main').out).toBe('chatroom/lab-2/messages/out');
    expect(roomTopics('lab-2', 'main').online).toBe('chatroom/lab-2/users/online');
    expect(roomTopics('lab-2', 'main').typing).toBe('chatroom/lab-2/users/typing');
    expect(errorsTopic('web_x')).toBe('chatroom/clients/web_x/errors');
  });

  it('accepts the room names of PROTOCOL.md §1.1 only', () => {
    expect(isValidRoom('main')).toBe(true);
    expect(isValidRoom('Lab_2-b')).toBe(true);
    expect(isValidRoom('a'.repeat(64))).toBe(true);
    expect(isValidRoom('a'.repeat(65))).toBe(false);
    expect(isValidRoom('')).toBe(false);
    expect(isValidRoom('a/b')).toBe(false);
    expect(isValidRoom('#')).toBe(false);
    expect(isValidRoom('中文')).toBe(false);
    expect(isValidRoom('users')).toBe(false);
    expect(isValidRoom('messages')).toBe(false);
  });
});

describe('ids', () => {
  it('makes client ids that are MQTT-safe, unique per tab and recognisable per browser', () => {
    const a = newClientId('abcdefghij');
    const b = newClientId('abcdefghij');
    expect(a).toMatch(/^web_abcdefghij_[a-z0-9]{6}$/);
    expect(a).not.toBe(b);
    expect(isOwnClientId(b, 'abcdefghij')).toBe(true);
    expect(isOwnClientId('web_other00000_abcdef', 'abcdefghij')).toBe(false);
    expect(isOwnClientId(undefined, 'abcdefghij')).toBe(false);
  });

  it('makes version 4 UUIDs without crypto.randomUUID', () => {
    expect(uuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(uuid()).not.toBe(uuid());
  });
});

describe('avatars', () => {
  it('takes initials of Latin and Chinese names', () => {
    expect(initials('Ann Lee')).toBe('AL');
    expect(initials('bob')).toBe('BO');
    expect(initials('张三')).toBe('张');
    expect(initials('  ')).toBe('?');
    expect(initials('<img src=x>')).toBe('<');
  });

  it('gives a name the same colour every time', () => {
    expect(colourIndex('Ann')).toBe(colourIndex('Ann'));
    expect(colourIndex('张三')).toBeGreaterThanOrEqual(0);
    expect(colourIndex('张三')).toBeLessThan(AVATAR_COLOURS);
  });
});
