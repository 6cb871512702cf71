// One room as the page sees it: history from the HTTP API, live messages, streamed replies, notices and members
// over MQTT, and the page's own membership (join with the nickname, leave when it goes).

import { useCallback, useEffect, useRef, useState } from 'react';
import type { Connection } from '../mqtt/connection';
import { useI18n } from '../i18n/context';
import { fetchHistory } from './api';
import { errorReplyText, failureText, publishFailureText } from './errors';
import { uuid } from './ids';
import {
  decodeObject,
  parseChatMessage,
  parseErrorReply,
  parseOnlineList,
  parseReplyDelta,
  parseSystemMessage,
  parseThinking,
  parseTyping,
  type JoinInput,
  type LeaveInput,
  type MessageInput,
  type OnlineUser,
} from './protocol';
import { catchUp } from './history';
import { noticeText } from './notices';
import { Refusals } from './refusals';
import {
  addMessages,
  addNotice,
  applyDelta,
  applyThinking,
  dropStaleStreams,
  emptyTimeline,
  messageIds,
  oldestMessageId,
  replaceMessages,
  timeOf,
  type Timeline,
} from './timeline';
import { errorsTopic, roomTopics } from './topics';

export const HISTORY_PAGE = 50;
const HISTORY_RETRIES = 5;

export interface Room {
  timeline: Timeline;
  members: OnlineUser[];
  /** How many members the room has: more than `members` when the service sent only the first ones. */
  memberCount: number;
  /** true once the history's first message is shown */
  atBeginning: boolean;
  loadEarlier: () => void;
  send: (text: string) => void;
  /** The text of a message the service refused, to give back to the composer; a new object each time. */
  refused: { text: string } | null;
  /** Names of the others typing right now. */
  typing: string[];
  /** The user is typing: tells the room at most every TYPING_EVERY_MS. */
  notifyTyping: () => void;
}

/** How often the page says its user is still typing; others show it for TYPING_SHOWN_MS after each event. */
export const TYPING_EVERY_MS = 3000;
export const TYPING_SHOWN_MS = 6000;

/** How often a member joins again so that idle expiry (after `idleSeconds` of silence) never drops a reader. */
export function rejoinIntervalMs(idleSeconds: number): number | null {
  if (idleSeconds <= 0) return null;
  return Math.max(5, Math.floor(idleSeconds / 3)) * 1000;
}

export function useRoom(
  conn: Connection,
  defaultRoom: string,
  room: string,
  nickname: string | null,
  memberIdleSeconds = 0,
): Room {
  const { t } = useI18n();
  const [timeline, setTimeline] = useState<Timeline>(emptyTimeline);
  const [members, setMembers] = useState<OnlineUser[]>([]);
  const [memberCount, setMemberCount] = useState(0);
  const [atBeginning, setAtBeginning] = useState(false);
  const [refused, setRefused] = useState<{ text: string } | null>(null);
  const [typists, setTypists] = useState<ReadonlyMap<string, { username: string; until: number }>>(new Map());
  const lastTyping = useRef(0);
  const refusals = useRef<Refusals | null>(null);
  refusals.current ??= new Refusals(
    (text) => setRefused({ text }),
    (text) => setTimeline((tl) => addNotice(tl, text, 'error')),
  );
  const nicknameRef = useRef(nickname);
  const timelineRef = useRef(timeline);
  timelineRef.current = timeline;
  /** A new object for every room shown (a switch back to the same room is a new one too). */
  const roomRef = useRef<object>({});
  const loadingEarlier = useRef(false);
  const topics = roomTopics(room, defaultRoom);

  const join = useCallback(
    (name: string) => {
      const body: JoinInput = { client_id: conn.clientId, username: name, source: 'web' };
      conn.publish(topics.join, body).catch(() => undefined);
    },
    [conn, topics.join],
  );

  useEffect(() => {
    let live = true;
    roomRef.current = {};
    loadingEarlier.current = false;
    setTimeline(emptyTimeline);
    setMembers([]);
    setMemberCount(0);
    setAtBeginning(false);
    setTypists(new Map());
    const notice = (text: string, tone: 'info' | 'error', at?: number) =>
      setTimeline((tl) => addNotice(tl, text, tone, at));
    let retry: ReturnType<typeof setTimeout> | undefined;
    // after a restart of the product MQTT is back a few seconds before HTTP: try again before complaining; after a
    // reconnect, page back until the messages shown before the drop are reached (`known`), so that no gap stays
    const loadLatest = (known: ReadonlySet<string>, attempt = 0) => {
      clearTimeout(retry);
      catchUp((before) => fetchHistory(room, HISTORY_PAGE, before), known, HISTORY_PAGE)
        .then((caught) => {
          if (!live) return;
          setTimeline((tl) => (caught.joined ? addMessages(tl, caught.messages) : replaceMessages(tl, caught.messages)));
          if (caught.atBeginning) setAtBeginning(true);
          else if (!caught.joined) setAtBeginning(false);
        })
        .catch((e: unknown) => {
          if (!live) return;
          if (attempt < HISTORY_RETRIES) {
            retry = setTimeout(() => loadLatest(known, attempt + 1), 500 * 2 ** attempt);
          } else {
            notice(t('errorHistory', { message: failureText(t, e) }), 'error');
          }
        });
    };

    const unsubscribe = conn.subscribe(
      [topics.out, topics.stream, topics.online, topics.system, topics.typing, errorsTopic(conn.clientId)],
      (topic, payload) => {
        const body = decodeObject(payload);
        if (topic === topics.out) {
          const message = parseChatMessage(body);
          if (message) {
            setTimeline((tl) => addMessages(tl, [message]));
            // whoever sent a message has stopped typing it
            if (message.client_id) setTypists((m) => without(m, message.client_id!));
          }
        } else if (topic === topics.stream) {
          const delta = parseReplyDelta(body);
          if (delta) setTimeline((tl) => applyDelta(tl, delta));
          const thinking = parseThinking(body);
          if (thinking) setTimeline((tl) => applyThinking(tl, thinking));
        } else if (topic === topics.typing) {
          const event = parseTyping(body);
          if (event && event.client_id !== conn.clientId) {
            setTypists((m) =>
              event.typing
                ? new Map(m).set(event.client_id, { username: event.username, until: Date.now() + TYPING_SHOWN_MS })
                : without(m, event.client_id),
            );
          }
        } else if (topic === topics.online) {
          const list = parseOnlineList(body);
          if (list) {
            setMembers(list.users);
            setMemberCount(list.count);
          }
        } else if (topic === topics.system) {
          const system = parseSystemMessage(body);
          if (system) notice(noticeText(t, system), 'info', timeOf(system.timestamp, Date.now()));
        } else {
          const error = parseErrorReply(body);
          if (error) refusals.current?.errorReply(error.code, errorReplyText(t, error.code, error.message), error.message_id);
        }
      },
    );
    // a stream whose end went missing (a lost marker, a reply cut off while this page was away) does not stay forever
    const sweep = setInterval(() => setTimeline((tl) => dropStaleStreams(tl)), 10_000);
    const typingSweep = setInterval(() => setTypists((m) => expired(m, Date.now())), 1000);
    const leave: LeaveInput = { client_id: conn.clientId };
    // the will says the connection was lost: the service waits a few seconds for a reload to come back
    conn.setWill(topics.leave, JSON.stringify({ ...leave, reason: 'connection_lost' } satisfies LeaveInput));
    loadLatest(new Set());
    const offConnect = conn.onConnect((again) => {
      // after a reconnect: fill the gap from history (shown messages are not shown twice) and join again, since
      // the room forgot this connection when it dropped; what is shown now is what came before the drop
      if (again) loadLatest(messageIds(timelineRef.current));
      if (nicknameRef.current) join(nicknameRef.current);
    });
    return () => {
      live = false;
      refusals.current?.clear();
      clearTimeout(retry);
      clearInterval(sweep);
      clearInterval(typingSweep);
      unsubscribe();
      offConnect();
      if (nicknameRef.current) conn.publish(topics.leave, leave).catch(() => undefined);
    };
  }, [conn, room, defaultRoom, join, t]);

  useEffect(() => {
    nicknameRef.current = nickname;
    if (nickname && conn.state === 'online') join(nickname);
  }, [conn, nickname, join]);

  // a reader who never writes is still a member: join again (a no-op for the room) before idle expiry
  useEffect(() => {
    const every = rejoinIntervalMs(memberIdleSeconds);
    if (!nickname || every === null) return;
    const timer = setInterval(() => {
      if (conn.state === 'online') join(nickname);
    }, every);
    return () => clearInterval(timer);
  }, [conn, nickname, join, memberIdleSeconds]);

  const loadEarlier = useCallback(() => {
    if (loadingEarlier.current) return;
    const shown = roomRef.current;
    const before = oldestMessageId(timelineRef.current);
    loadingEarlier.current = true;
    // an answer that comes after a switch to another room belongs to the old one: dropped
    const current = () => roomRef.current === shown;
    fetchHistory(room, HISTORY_PAGE, before)
      .then((messages) => {
        if (!current()) return;
        setTimeline((tl) => addMessages(tl, messages));
        if (messages.length < HISTORY_PAGE) setAtBeginning(true);
      })
      .catch((e: unknown) => {
        if (!current()) return;
        setTimeline((tl) => addNotice(tl, t('errorHistory', { message: failureText(t, e) }), 'error'));
      })
      .finally(() => {
        if (current()) loadingEarlier.current = false;
      });
  }, [room, t]);

  const send = useCallback(
    (text: string) => {
      const name = nicknameRef.current;
      if (!name) return;
      const body: MessageInput = { client_id: conn.clientId, username: name, message: text, source: 'web', message_id: uuid() };
      lastTyping.current = 0;
      const refusedByBroker = refusals.current?.add(text, body.message_id);
      conn
        .publish(topics.in, body)
        .catch((e: unknown) => refusedByBroker?.(t('errorPrefix', { message: publishFailureText(t, e) })));
    },
    [conn, topics.in, t],
  );

  const notifyTyping = useCallback(() => {
    const name = nicknameRef.current;
    const now = Date.now();
    if (!name || conn.state !== 'online' || now - lastTyping.current < TYPING_EVERY_MS) return;
    lastTyping.current = now;
    // QoS 0, never retained: a lost typing event costs nothing
    conn.publish(topics.typing, { client_id: conn.clientId, username: name, typing: true }, 0).catch(() => undefined);
  }, [conn, topics.typing]);

  const typing = [...typists.values()].map((v) => v.username);
  return { timeline, members, memberCount, atBeginning, loadEarlier, send, refused, typing, notifyTyping };
}

function without<V>(map: ReadonlyMap<string, V>, key: string): ReadonlyMap<string, V> {
  if (!map.has(key)) return map;
  const next = new Map(map);
  next.delete(key);
  return next;
}

function expired<V extends { until: number }>(map: ReadonlyMap<string, V>, now: number): ReadonlyMap<string, V> {
  if (![...map.values()].some((v) => v.until <= now)) return map;
  return new Map([...map].filter(([, v]) => v.until > now));
}
