import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useI18n } from '../i18n/context';
import { ConnectionBadge } from '../mqtt/ConnectionBadge';
import { useConnection } from '../mqtt/useConnection';
import { fetchToken } from './api';
import { Composer } from './Composer';
import { failureText } from './errors';
import { isOwnClientId, newClientId } from './ids';
import { MemberList } from './MemberList';
import { MessageList } from './MessageList';
import { NicknameForm } from './NicknameForm';
import { TypingIndicator } from './TypingIndicator';
import { isAssistant, type LeaveInput, type PageConfig } from './protocol';
import { RoomSwitcher } from './RoomSwitcher';
import { countMessagesAfter, newestMessageMark, timeOf, type Mark } from './timeline';
import { identity as storedIdentity, saveNickname, savedNickname, savedNicknameFor, savedRooms, saveRooms, tabClientId } from './storage';
import { roomFromHash as roomFromUrlHash, roomTopics } from './topics';
import { useRoom } from './useRoom';
import './chat.css';

function roomFromHash(fallback: string): string {
  return roomFromUrlHash(window.location.hash, fallback);
}

export function ChatPage({ config, wsUrl }: { config: PageConfig; wsUrl: string }) {
  const { t } = useI18n();
  const [identity] = useState(storedIdentity);
  const [room, setRoom] = useState(() => roomFromHash(config.default_room));
  const [rooms, setRooms] = useState(() => [...new Set([config.default_room, ...savedRooms(), room])]);
  // a nickname this browser used in the room before: the page joins by itself (after a reload, say)
  const [nickname, setNickname] = useState<string | null>(() => savedNicknameFor(room));
  const [editingNickname, setEditingNickname] = useState(false);
  const [membersOpen, setMembersOpen] = useState(false);
  const [mentionRequest, setMentionRequest] = useState<{ name: string } | null>(null);

  const { conn, state, failure } = useConnection(() => {
    const clientId = tabClientId(
      () => newClientId(identity),
      (id) => isOwnClientId(id, identity),
    );
    const leave: LeaveInput = { client_id: clientId, reason: 'connection_lost' };
    return {
      url: wsUrl,
      clientId,
      will: { topic: roomTopics(room, config.default_room).leave, payload: JSON.stringify(leave) },
      ...(config.auth_required
        ? {
            credentials: async () => {
              const token = await fetchToken(clientId);
              return { username: token.username, password: token.password, expiresAt: timeOf(token.expires_at, 0) };
            },
          }
        : {}),
    };
  });
  const chat = useRoom(conn, config.default_room, room, nickname, config.member_idle_seconds);

  const switchRoom = useCallback(
    (next: string) => {
      setRoom(next);
      // the name used in that room before, else the one in use now
      const known = savedNicknameFor(next);
      if (known) setNickname(known);
      setRooms((known) => {
        const list = known.includes(next) ? known : [...known, next];
        saveRooms(list.filter((r) => r !== config.default_room));
        return list;
      });
      const hash = next === config.default_room ? '' : `#${next}`;
      if (window.location.hash !== hash) window.location.hash = hash;
      setMembersOpen(false);
    },
    [config.default_room],
  );

  useEffect(() => {
    const onHash = () => switchRoom(roomFromHash(config.default_room));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, [config.default_room, switchRoom]);

  // while the tab is hidden, the title counts the messages that came meanwhile: `(3) #main · AI Chatroom`
  const [hiddenSince, setHiddenSince] = useState<Mark | null>(null);
  const timelineRef = useRef(chat.timeline);
  timelineRef.current = chat.timeline;
  useEffect(() => {
    const onVisibility = () => {
      if (!document.hidden) return setHiddenSince(null);
      const newest = newestMessageMark(timelineRef.current);
      setHiddenSince(newest.id ? newest : { at: Date.now(), id: '' });
    };
    onVisibility();
    document.addEventListener('visibilitychange', onVisibility);
    return () => document.removeEventListener('visibilitychange', onVisibility);
  }, []);
  const unread = hiddenSince === null ? 0 : countMessagesAfter(chat.timeline, hiddenSince, (m) => m.client_id === conn.clientId);

  useEffect(() => {
    document.title = `${unread > 0 ? `(${unread}) ` : ''}#${room} · ${t('appTitle')}`;
  }, [room, t, unread]);

  const [sent, setSent] = useState(0);
  const send = useCallback(
    (text: string) => {
      chat.send(text);
      setSent((n) => n + 1);
    },
    [chat.send],
  );

  // without an assistant, @AI is not offered (nobody would answer)
  const assistantNames = useMemo(
    () => (config.assistant_enabled ? ['AI', config.assistant_name] : []),
    [config.assistant_enabled, config.assistant_name],
  );
  const mentionNames = useMemo(
    () => [
      ...assistantNames,
      ...chat.members.filter((m) => m.client_id !== conn.clientId && !isAssistant(m)).map((m) => m.username),
    ],
    [assistantNames, chat.members, conn.clientId],
  );
  const highlightNames = useMemo(
    () => [...mentionNames, ...(config.assistant_enabled ? ['ai', 'AI助手', '助手'] : []), ...(nickname ? [nickname] : [])],
    [mentionNames, config.assistant_enabled, nickname],
  );

  useEffect(() => {
    if (nickname) saveNickname(nickname, room);
  }, [nickname, room]);

  const join = (name: string) => {
    saveNickname(name, room);
    setNickname(name);
    setEditingNickname(false);
  };

  return (
    <div className={membersOpen ? 'app drawer-open' : 'app'}>
      <header className="topbar">
        <div className="brand">
          <img src="/favicon.svg" alt="" width="28" height="28" />
          <span>{t('appTitle')}</span>
        </div>
        <h1 className="room-title"># {room}</h1>
        <div className="topbar-end">
          <a className="nav-link" href="/voice.html" data-testid="voice-link">
            {t('voiceLink')}
          </a>
          <ConnectionBadge state={state} />
          <button type="button" className="drawer-toggle" onClick={() => setMembersOpen((o) => !o)} aria-expanded={membersOpen}>
            {membersOpen ? t('hideMembers') : t('showMembers')}
          </button>
        </div>
      </header>
      <aside className="sidebar">
        <RoomSwitcher rooms={rooms} current={room} onSwitch={switchRoom} />
        <MemberList
          members={chat.members}
          memberCount={chat.memberCount}
          assistantName={config.assistant_name}
          assistantEnabled={config.assistant_enabled}
          ownClientId={conn.clientId}
          onMention={(name) => {
            setMentionRequest({ name });
            setMembersOpen(false);
          }}
        />
      </aside>
      <main className="chat">
        {failure && state !== 'online' && (
          <div className="banner banner-error" role="alert">
            {t('errorToken', { message: failureText(t, failure.error) })}
          </div>
        )}
        <MessageList
          key={room}
          timeline={chat.timeline}
          identity={identity}
          assistantName={config.assistant_name}
          mentionNames={highlightNames}
          atBeginning={chat.atBeginning}
          onLoadEarlier={chat.loadEarlier}
          scrollRequest={sent}
        />
        <TypingIndicator names={chat.typing} />
        {nickname && !editingNickname ? (
          <div className="composer-area">
            <div className="composer-meta">
              <span className="muted">{nickname}</span>
              <button type="button" className="link-button" onClick={() => setEditingNickname(true)}>
                {t('nicknameChange')}
              </button>
            </div>
            <Composer
              room={room}
              enabled={state === 'online'}
              maxChars={config.max_message_chars}
              assistantEnabled={config.assistant_enabled}
              mentionNames={mentionNames}
              mentionRequest={mentionRequest}
              restoreRequest={chat.refused}
              onSend={send}
              onTyping={chat.notifyTyping}
            />
          </div>
        ) : (
          <NicknameForm initial={nickname ?? savedNickname()} maxChars={config.max_username_chars} onJoin={join} />
        )}
      </main>
    </div>
  );
}
