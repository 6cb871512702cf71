import { describe, expect, it } from 'vitest';
import type { ChatMessage, ReplyDelta } from '../src/chat/protocol';
import {
  MAX_ENTRIES,
  addMessages,
  addNotice,
  applyDelta,
  countMessagesAfter,
  dropStaleStreams,
  emptyTimeline,
  STREAM_IDLE_MS,
  findMessage,
  newestMessageMark,
  oldestMessageId,
  timeOf,
  type Timeline,
} from '../src/chat/timeline';

function message(id: string, second: number, extra: Partial<ChatMessage> = {}): ChatMessage {
  return {
    type: 'user_message',
    username: 'Ann',
    content: `text ${id}`,
    timestamp: `2026-11-22T10:00:${String(second).padStart(2, '0')}.000000`,
    message_id: id,
    ...extra,
  };
}

const delta = (seq: number, text: string, id = 'r1'): ReplyDelta => ({ type: 'ai_response_delta', message_id: id, seq, delta: text });
const ids = (tl: Timeline) => tl.entries.map((e) => e.id);

describe('messages', () => {
  it('shows a message once however often it arrives', () => {
    let tl = addMessages(emptyTimeline, [message('a', 1), message('b', 2)]);
    tl = addMessages(tl, [message('b', 2)]);
    tl = addMessages(tl, [message('a', 1), message('b', 2), message('c', 3)]);
    expect(ids(tl)).toEqual(['a', 'b', 'c']);
  });

  it('returns the same timeline when nothing is new, so React does not render again', () => {
    const tl = addMessages(emptyTimeline, [message('a', 1)]);
    expect(addMessages(tl, [message('a', 1)])).toBe(tl);
  });

  it('orders messages by time when history arrives after live messages', () => {
    let tl = addMessages(emptyTimeline, [message('live', 30)]);
    tl = addMessages(tl, [message('old1', 1), message('old2', 2)]);
    expect(ids(tl)).toEqual(['old1', 'old2', 'live']);
    expect(oldestMessageId(tl)).toBe('old1');
  });

  it('keeps at most MAX_ENTRIES, dropping the oldest', () => {
    const many = Array.from({ length: MAX_ENTRIES + 5 }, (_, i) => message(`m${i}`, 0, { timestamp: new Date(1_000_000 + i).toISOString() }));
    const tl = addMessages(emptyTimeline, many);
    expect(tl.entries).toHaveLength(MAX_ENTRIES);
    expect(tl.entries[0]?.id).toBe('m5');
  });

  it('reads wire timestamps with microseconds and offset, and falls back for unreadable ones', () => {
    expect(timeOf('2025-07-26T11:05:13.675321+08:00', 0)).toBe(Date.parse('2025-07-26T03:05:13.675Z'));
    // the seed's format, as the service sends it: UTC without an offset, whatever the browser's zone
    expect(timeOf('2025-07-26T03:05:13.675321', 0)).toBe(Date.parse('2025-07-26T03:05:13.675Z'));
    expect(timeOf('garbage', 42)).toBe(42);
  });
});

describe('streamed replies', () => {
  it('assembles pieces in sequence order, whatever order they arrive in', () => {
    let tl = applyDelta(emptyTimeline, delta(1, 'wor'), 100);
    tl = applyDelta(tl, delta(0, 'Hello '), 101);
    tl = applyDelta(tl, delta(2, 'ld'), 102);
    const entry = tl.entries[0];
    expect(entry?.kind).toBe('stream');
    expect(entry?.kind === 'stream' && entry.text).toBe('Hello world');
  });

  it('ignores a piece that arrives twice', () => {
    let tl = applyDelta(emptyTimeline, delta(0, 'a'));
    const before = tl;
    tl = applyDelta(tl, delta(0, 'a'));
    expect(tl).toBe(before);
  });

  it('settles into the final message with the same message_id, which later pieces do not change', () => {
    let tl = addMessages(emptyTimeline, [message('q', 1)]);
    tl = applyDelta(tl, delta(0, 'Hel'), Date.parse('2026-11-22T10:00:02Z'));
    tl = addMessages(tl, [message('r1', 5, { type: 'ai_response', username: '智能助手', content: 'Hello', reply_to: 'q' })]);
    tl = applyDelta(tl, delta(1, 'lo'));
    expect(ids(tl)).toEqual(['q', 'r1']);
    expect(tl.entries[1]?.kind).toBe('message');
    expect(findMessage(tl, 'r1')?.content).toBe('Hello');
    expect(findMessage(tl, 'r1')?.reply_to).toBe('q');
  });

  it('keeps streams of different replies apart', () => {
    let tl = applyDelta(emptyTimeline, delta(0, 'one', 'x'), 1);
    tl = applyDelta(tl, delta(0, 'two', 'y'), 2);
    tl = applyDelta(tl, delta(1, '!', 'x'), 3);
    expect(tl.entries.map((e) => (e.kind === 'stream' ? e.text : ''))).toEqual(['one!', 'two']);
  });

  it('takes a reply away when its stream ends with the aborted marker, and leaves other entries alone', () => {
    let tl = addMessages(emptyTimeline, [message('q', 1)]);
    tl = applyDelta(tl, delta(0, 'Hal'), Date.parse('2026-11-22T10:00:02Z'));
    tl = applyDelta(tl, delta(0, 'other', 'r2'), Date.parse('2026-11-22T10:00:03Z'));
    expect(ids(tl)).toEqual(['q', 'r1', 'r2']);
    tl = applyDelta(tl, { ...delta(1, ''), aborted: true });
    expect(ids(tl)).toEqual(['q', 'r2']);
  });

  it('ignores an aborted marker for a reply it never showed, or one already final', () => {
    const tl = addMessages(emptyTimeline, [message('r1', 5, { type: 'ai_response', content: 'done' })]);
    expect(applyDelta(tl, { ...delta(3, ''), aborted: true })).toBe(tl);
    expect(applyDelta(emptyTimeline, { ...delta(3, ''), aborted: true })).toBe(emptyTimeline);
  });

  it('drops a stream that got no piece for two minutes (its end went missing), counting from its last piece', () => {
    let tl = addMessages(emptyTimeline, [message('q', 1)]);
    tl = applyDelta(tl, delta(0, 'a', 'old'), 1_000);
    tl = applyDelta(tl, delta(0, 'b', 'busy'), 1_000);
    tl = applyDelta(tl, delta(1, 'c', 'busy'), 1_000 + STREAM_IDLE_MS - 1);
    expect(dropStaleStreams(tl, 1_000 + STREAM_IDLE_MS - 1)).toBe(tl);
    const after = dropStaleStreams(tl, 1_000 + STREAM_IDLE_MS);
    expect(ids(after).sort()).toEqual(['busy', 'q']);
    expect(ids(dropStaleStreams(after, 1_000 + 2 * STREAM_IDLE_MS))).toEqual(['q']);
  });
});

describe('unread counts', () => {
  it('counts the final messages after a mark, not earlier history, streams or notices, nor the excluded', () => {
    let tl = addMessages(emptyTimeline, [message('a', 1), message('b', 2)]);
    const mark = newestMessageMark(tl);
    expect(mark).toEqual({ at: Date.parse('2026-11-22T10:00:02Z'), id: 'b' });
    tl = addMessages(tl, [message('c', 3), message('own', 4, { client_id: 'me' }), message('older', 0)]);
    tl = applyDelta(tl, delta(0, 'x'), Date.parse('2026-11-22T10:00:05Z'));
    tl = addNotice(tl, 'joined', 'info', Date.parse('2026-11-22T10:00:06Z'));
    expect(countMessagesAfter(tl, mark)).toBe(2);
    expect(countMessagesAfter(tl, mark, (m) => m.client_id === 'me')).toBe(1);
    expect(newestMessageMark(tl)).toEqual({ at: Date.parse('2026-11-22T10:00:04Z'), id: 'own' });
    expect(countMessagesAfter(tl, newestMessageMark(emptyTimeline))).toBe(5);
  });

  it('counts a message of the same millisecond as the mark', () => {
    let tl = addMessages(emptyTimeline, [message('0190-a', 2)]);
    const mark = newestMessageMark(tl);
    tl = addMessages(tl, [message('0190-b', 2)]);
    expect(countMessagesAfter(tl, mark)).toBe(1);
  });
});

describe('notices', () => {
  it('places notices by time between messages, each its own entry', () => {
    let tl = addMessages(emptyTimeline, [message('a', 1), message('b', 3)]);
    tl = addNotice(tl, 'joined', 'info', Date.parse('2026-11-22T10:00:02Z'));
    tl = addNotice(tl, 'joined', 'info', Date.parse('2026-11-22T10:00:02Z'));
    expect(tl.entries.map((e) => e.kind)).toEqual(['message', 'notice', 'notice', 'message']);
    expect(findMessage(tl, tl.entries[1]!.id)).toBeUndefined();
  });
});

describe('ai_thinking', () => {
  it('shows an empty stream until the first piece, and an abort takes it away', async () => {
    const { applyThinking, applyDelta, emptyTimeline } = await import('../src/chat/timeline');
    const thinking = { type: 'ai_thinking' as const, message_id: 'r1', reply_to: 'q1' };
    let tl = applyThinking(emptyTimeline, thinking, 1000);
    expect(tl.entries).toMatchObject([{ kind: 'stream', id: 'r1', text: '' }]);
    expect(applyThinking(tl, thinking, 2000)).toBe(tl);
    tl = applyDelta(tl, { type: 'ai_response_delta', message_id: 'r1', seq: 0, delta: 'Hi' }, 1500);
    expect(tl.entries).toMatchObject([{ kind: 'stream', id: 'r1', text: 'Hi' }]);
    const aborted = applyDelta(applyThinking(emptyTimeline, thinking), { type: 'ai_response_delta', message_id: 'r1', seq: 0, delta: '', aborted: true });
    expect(aborted.entries).toEqual([]);
  });
});
