import { describe, expect, it } from 'vitest';
import { catchUp } from '../src/chat/history';
import type { ChatMessage } from '../src/chat/protocol';
import { addMessages, emptyTimeline, messageIds, replaceMessages } from '../src/chat/timeline';

function message(i: number): ChatMessage {
  return {
    type: 'user_message',
    username: 'Ann',
    content: `text ${i}`,
    timestamp: new Date(Date.UTC(2026, 10, 22, 10) + i * 1000).toISOString(),
    message_id: `m${String(i).padStart(4, '0')}`,
  };
}

/** A room with `count` messages and the HTTP API's paging (newest last, `before` exclusive); records each call. */
function room(count: number) {
  const all = Array.from({ length: count }, (_, i) => message(i));
  const calls: (string | undefined)[] = [];
  const fetchPage = (limit: number) => async (before: string | undefined) => {
    calls.push(before);
    const end = before === undefined ? all.length : all.findIndex((m) => m.message_id === before);
    return all.slice(Math.max(0, end - limit), end);
  };
  return { all, calls, fetchPage };
}

describe('catchUp', () => {
  it('reads one page on the first load, when nothing is shown yet', async () => {
    const r = room(300);
    const caught = await catchUp(r.fetchPage(50), new Set(), 50);
    expect(r.calls).toEqual([undefined]);
    expect(caught.messages.map((m) => m.message_id)).toEqual(r.all.slice(250).map((m) => m.message_id));
    expect(caught).toMatchObject({ joined: true, atBeginning: false });
  });

  it('pages back over a gap longer than a page until it reaches a message shown, and merges without a hole', async () => {
    const r = room(300);
    // shown before the drop: messages 0..119; 180 came while the page was away
    let tl = addMessages(emptyTimeline, r.all.slice(0, 120));
    const caught = await catchUp(r.fetchPage(50), messageIds(tl), 50);
    expect(r.calls).toEqual([undefined, 'm0250', 'm0200', 'm0150']);
    expect(caught).toMatchObject({ joined: true, atBeginning: false });
    tl = addMessages(tl, caught.messages);
    expect([...messageIds(tl)]).toEqual(r.all.map((m) => m.message_id));
  });

  it('stops after one page when the gap is short', async () => {
    const r = room(300);
    const caught = await catchUp(r.fetchPage(50), new Set(['m0280']), 50);
    expect(r.calls).toEqual([undefined]);
    expect(caught.joined).toBe(true);
  });

  it('stops at the room beginning, and says so', async () => {
    const r = room(70);
    const caught = await catchUp(r.fetchPage(50), new Set(['gone-from-history']), 50);
    expect(r.calls).toEqual([undefined, 'm0020']);
    expect(caught).toMatchObject({ joined: true, atBeginning: true });
    expect(caught.messages).toHaveLength(70);
  });

  it('gives up after the cap, and the newest messages then replace what was shown', async () => {
    const r = room(2000);
    const shown = addMessages(emptyTimeline, r.all.slice(0, 10));
    const caught = await catchUp(r.fetchPage(50), messageIds(shown), 50, 500);
    expect(r.calls).toHaveLength(10);
    expect(caught).toMatchObject({ joined: false, atBeginning: false });
    const tl = replaceMessages(shown, caught.messages);
    expect([...messageIds(tl)]).toEqual(r.all.slice(1500).map((m) => m.message_id));
  });
});
