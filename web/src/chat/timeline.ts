// What the message list shows: final messages deduplicated by message_id, assistant replies being streamed,
// and notices. Pure functions over an immutable value, so React can compare by reference.

import type { ChatMessage, ReplyDelta, Thinking } from './protocol';

export const MAX_ENTRIES = 1000;
/** A stream that got no piece for this long lost its end (the final reply or the abort marker went missing). */
export const STREAM_IDLE_MS = 120_000;

export interface MessageEntry {
  kind: 'message';
  id: string;
  at: number;
  message: ChatMessage;
}

/** An assistant reply still being written: its pieces by sequence number. */
export interface StreamEntry {
  kind: 'stream';
  id: string;
  at: number;
  pieces: ReadonlyMap<number, string>;
  text: string;
  /** When the last piece came (ms since the epoch). */
  updated: number;
}

export interface NoticeEntry {
  kind: 'notice';
  id: string;
  at: number;
  text: string;
  tone: 'info' | 'error';
}

export type Entry = MessageEntry | StreamEntry | NoticeEntry;

export interface Timeline {
  entries: readonly Entry[];
}

export const emptyTimeline: Timeline = { entries: [] };

let noticeCounter = 0;

/**
 * Milliseconds since the epoch of a wire timestamp; `fallback` when it cannot be read. The wire has the seed's
 * `2025-07-26T11:05:13.675321` in UTC (no offset; `Date` would read that as local time); older stored messages
 * carry an offset, which is honoured.
 */
export function timeOf(timestamp: string, fallback: number): number {
  const utc = /T[\d:.]+$/.test(timestamp) ? `${timestamp}Z` : timestamp;
  const ms = Date.parse(utc);
  return Number.isNaN(ms) ? fallback : ms;
}

function byTime(a: Entry, b: Entry): number {
  return a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function cap(entries: Entry[]): Entry[] {
  return entries.length > MAX_ENTRIES ? entries.slice(entries.length - MAX_ENTRIES) : entries;
}

/**
 * Adds final messages (live or from history). A message already shown is not shown again; a final message
 * replaces the stream that carried the same message_id.
 */
export function addMessages(timeline: Timeline, messages: readonly ChatMessage[], now = Date.now()): Timeline {
  const byId = new Map<string, Entry>();
  for (const e of timeline.entries) byId.set(e.id, e);
  let changed = false;
  for (const message of messages) {
    const existing = byId.get(message.message_id);
    if (existing?.kind === 'message') continue;
    const at = existing?.kind === 'stream' ? Math.max(existing.at, timeOf(message.timestamp, now)) : timeOf(message.timestamp, now);
    byId.set(message.message_id, { kind: 'message', id: message.message_id, at, message });
    changed = true;
  }
  if (!changed) return timeline;
  return { entries: cap([...byId.values()].sort(byTime)) };
}

/**
 * Adds a piece of a streamed reply; ignored once the final message is there or when the piece came before. An
 * aborted marker takes the unfinished reply away.
 */
export function applyDelta(timeline: Timeline, delta: ReplyDelta, now = Date.now()): Timeline {
  const index = timeline.entries.findIndex((e) => e.id === delta.message_id);
  const existing = index >= 0 ? timeline.entries[index] : undefined;
  if (existing && existing.kind !== 'stream') return timeline;
  if (delta.aborted) {
    return existing ? { entries: timeline.entries.filter((e) => e !== existing) } : timeline;
  }
  if (existing?.pieces.has(delta.seq)) return timeline;
  const pieces = new Map(existing?.pieces ?? []);
  pieces.set(delta.seq, delta.delta);
  const text = [...pieces.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([, piece]) => piece)
    .join('');
  const entry: StreamEntry = { kind: 'stream', id: delta.message_id, at: existing?.at ?? now, pieces, text, updated: now };
  if (existing) {
    const entries = [...timeline.entries];
    entries[index] = entry;
    return { entries };
  }
  return { entries: cap([...timeline.entries, entry].sort(byTime)) };
}

/**
 * The assistant took a question: an empty stream for its reply shows "thinking…" until the first piece comes.
 * Ignored when the reply (or a piece of it) is already there.
 */
export function applyThinking(timeline: Timeline, thinking: Thinking, now = Date.now()): Timeline {
  if (timeline.entries.some((e) => e.id === thinking.message_id)) return timeline;
  const entry: StreamEntry = { kind: 'stream', id: thinking.message_id, at: now, pieces: new Map(), text: '', updated: now };
  return { entries: cap([...timeline.entries, entry].sort(byTime)) };
}

/** Takes away the streams that got no piece for `idleMs`; the same timeline when there are none. */
export function dropStaleStreams(timeline: Timeline, now = Date.now(), idleMs = STREAM_IDLE_MS): Timeline {
  const entries = timeline.entries.filter((e) => e.kind !== 'stream' || now - e.updated < idleMs);
  return entries.length === timeline.entries.length ? timeline : { entries };
}

export function addNotice(timeline: Timeline, text: string, tone: 'info' | 'error', at = Date.now()): Timeline {
  noticeCounter += 1;
  const entry: NoticeEntry = { kind: 'notice', id: `notice-${noticeCounter}`, at, text, tone };
  return { entries: cap([...timeline.entries, entry].sort(byTime)) };
}

/**
 * Shows `messages` instead of the final messages shown so far (streams and notices stay): for a catch-up that could
 * not reach what was shown, which would otherwise leave a hole that "load earlier" never fills.
 */
export function replaceMessages(timeline: Timeline, messages: readonly ChatMessage[], now = Date.now()): Timeline {
  return addMessages({ entries: timeline.entries.filter((e) => e.kind !== 'message') }, messages, now);
}

/** A place in the timeline's order (time, then id: messages of the same millisecond are told apart). */
export interface Mark {
  at: number;
  id: string;
}

/** Where the newest final message is; the beginning of time when there is none. */
export function newestMessageMark(timeline: Timeline): Mark {
  for (let i = timeline.entries.length - 1; i >= 0; i--) {
    const e = timeline.entries[i]!;
    if (e.kind === 'message') return { at: e.at, id: e.id };
  }
  return { at: 0, id: '' };
}

/** How many final messages come after `mark` (earlier history paged in does not), leaving out `except`. */
export function countMessagesAfter(timeline: Timeline, mark: Mark, except?: (message: ChatMessage) => boolean): number {
  let count = 0;
  for (const e of timeline.entries) {
    if (e.kind === 'message' && byTime(e, mark as Entry) > 0 && !except?.(e.message)) count += 1;
  }
  return count;
}

/** The message_ids of the final messages shown. */
export function messageIds(timeline: Timeline): Set<string> {
  return new Set(timeline.entries.filter((e) => e.kind === 'message').map((e) => e.id));
}

/** The oldest final message, to page back in history from. */
export function oldestMessageId(timeline: Timeline): string | undefined {
  return timeline.entries.find((e) => e.kind === 'message')?.id;
}

export function findMessage(timeline: Timeline, messageId: string): ChatMessage | undefined {
  const entry = timeline.entries.find((e) => e.id === messageId);
  return entry?.kind === 'message' ? entry.message : undefined;
}
