import { useEffect, useLayoutEffect, useMemo, useRef, useState, type MouseEvent } from 'react';
import { useI18n } from '../i18n/context';
import { Avatar } from './Avatar';
import { isOwnClientId } from './ids';
import { copyText } from './clipboard';
import { renderMarkdown } from './markdown';
import type { ChatMessage } from './protocol';
import { sanitize } from './sanitize';
import { countMessagesAfter, findMessage, newestMessageMark, type Entry, type Mark, type Timeline } from './timeline';

interface Props {
  timeline: Timeline;
  identity: string;
  assistantName: string;
  mentionNames: readonly string[];
  atBeginning: boolean;
  onLoadEarlier: () => void;
  /** Changes when the reader sent a message: the list goes to the bottom to show it. */
  scrollRequest: number;
}

export function MessageList({ timeline, identity, assistantName, mentionNames, atBeginning, onLoadEarlier, scrollRequest }: Props) {
  const { t, language } = useI18n();
  const scroller = useRef<HTMLDivElement>(null);
  const stuckToBottom = useRef(true);
  const [atBottom, setAtBottom] = useState(true);
  // the newest message the reader has had in view: what came later, while they read further up, is new to them
  const [seenUpTo, setSeenUpTo] = useState<Mark>({ at: 0, id: '' });
  const newest = newestMessageMark(timeline);
  useEffect(() => {
    if (atBottom) setSeenUpTo({ at: newest.at, id: newest.id });
  }, [atBottom, newest.at, newest.id]);
  const unseen = atBottom ? 0 : countMessagesAfter(timeline, seenUpTo);

  const toBottom = () => {
    const el = scroller.current;
    stuckToBottom.current = true;
    setAtBottom(true);
    if (el) el.scrollTop = el.scrollHeight;
  };

  useLayoutEffect(() => {
    if (scrollRequest > 0) toBottom();
  }, [scrollRequest]);
  const time = useMemo(
    () => new Intl.DateTimeFormat(language === 'zh' ? 'zh-CN' : 'en', { hour: '2-digit', minute: '2-digit' }),
    [language],
  );

  // follow new messages while the reader is at the bottom; leave them alone while they read further up
  useLayoutEffect(() => {
    const el = scroller.current;
    if (el && stuckToBottom.current) el.scrollTop = el.scrollHeight;
  }, [timeline]);

  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const onScroll = () => {
      stuckToBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
      setAtBottom(stuckToBottom.current);
    };
    el.addEventListener('scroll', onScroll, { passive: true });
    return () => el.removeEventListener('scroll', onScroll);
  }, []);

  const hasMessages = timeline.entries.some((e) => e.kind !== 'notice');
  return (
    <div className="messages-frame">
      <div className="messages" ref={scroller} data-testid="messages" role="log" aria-live="polite" aria-label={t('messagesLabel')}>
        <div className="history-edge">
          {atBeginning ? (
            <span className="muted">{hasMessages ? t('noEarlier') : t('empty')}</span>
          ) : (
            <button type="button" className="link-button" onClick={onLoadEarlier}>
              {t('loadEarlier')}
            </button>
          )}
        </div>
        <ol className="message-items">
          {timeline.entries.map((entry) => (
            <Item
              key={entry.id}
              entry={entry}
              timeline={timeline}
              identity={identity}
              assistantName={assistantName}
              mentionNames={mentionNames}
              time={time}
            />
          ))}
        </ol>
      </div>
      {unseen > 0 && (
        <button type="button" className="new-messages" data-testid="new-messages" onClick={toBottom}>
          {t('newMessages', { count: unseen })}
        </button>
      )}
    </div>
  );
}

interface ItemProps {
  entry: Entry;
  timeline: Timeline;
  identity: string;
  assistantName: string;
  mentionNames: readonly string[];
  time: Intl.DateTimeFormat;
}

function Item({ entry, timeline, identity, assistantName, mentionNames, time }: ItemProps) {
  const { t } = useI18n();
  if (entry.kind === 'notice') {
    return (
      <li className={`notice notice-${entry.tone}`} data-testid="notice">
        <span>{entry.text}</span>
      </li>
    );
  }
  const streaming = entry.kind === 'stream';
  const message: ChatMessage | undefined = entry.kind === 'message' ? entry.message : undefined;
  const assistant = streaming || message?.type === 'ai_response';
  const name = message?.username ?? assistantName;
  const own = !assistant && isOwnClientId(message?.client_id, identity);
  const content = message?.content ?? (entry.kind === 'stream' ? entry.text : '');
  const replied = message?.reply_to ? findMessage(timeline, message.reply_to) : undefined;
  const classes = ['message', own ? 'own' : '', assistant ? 'assistant' : '', streaming ? 'streaming' : '']
    .filter(Boolean)
    .join(' ');
  return (
    // a reply being written is announced by the log once it is complete, not piece by piece
    <li className={classes} data-testid="message" data-message-id={entry.id} aria-busy={streaming || undefined}>
      <Avatar name={name} assistant={assistant} />
      <div className="bubble-column">
        <div className="meta">
          <span className="author" data-testid="author">
            {name}
          </span>
          {assistant && <span className="tag tag-ai">{t('assistantBadge')}</span>}
          {message?.source && message.source !== 'web' && !assistant && <span className="tag">{sourceLabel(message.source, t)}</span>}
          <time dateTime={message?.timestamp}>{time.format(new Date(entry.at))}</time>
        </div>
        {replied && (
          <div className="reply-to">
            {t('replyingTo', { name: replied.username })}: <span className="reply-snippet">{replied.content}</span>
          </div>
        )}
        <div className="bubble" data-testid="content" onClick={(e) => onCodeCopy(e, t('copied'))}>
          {streaming && content === '' ? (
            <span className="thinking" data-testid="thinking">
              {t('assistantThinking', { name })}
            </span>
          ) : (
            <MarkdownBody text={content} names={mentionNames} />
          )}
          {streaming && <span className="cursor" aria-label={t('writing')} />}
        </div>
        {assistant && !streaming && <CopyButton text={content} label={t('copyAnswer')} />}
      </div>
    </li>
  );
}

/** A message's Markdown as safe HTML: rendered by markdown-it, then sanitized by DOMPurify. */
function MarkdownBody({ text, names }: { text: string; names: readonly string[] }) {
  const { t } = useI18n();
  const html = useMemo(() => sanitize(renderMarkdown(text, names, { copyCode: t('copyCode') })), [text, names, t]);
  return <div className="markdown" data-testid="markdown" dangerouslySetInnerHTML={{ __html: html }} />;
}

/** Copies the code block whose copy button was clicked (the buttons are part of the rendered HTML). */
function onCodeCopy(event: MouseEvent<HTMLDivElement>, copiedLabel: string) {
  const button = (event.target as Element).closest('button[data-copy=code]');
  const code = button?.closest('.code-block')?.querySelector('pre code');
  if (!button || !code || button.classList.contains('copied')) return;
  const label = button.textContent ?? '';
  void copyText(code.textContent ?? '').then((ok) => {
    if (!ok) return;
    button.classList.add('copied');
    button.textContent = copiedLabel;
    window.setTimeout(() => {
      button.classList.remove('copied');
      button.textContent = label;
    }, 1500);
  });
}

function CopyButton({ text, label }: { text: string; label: string }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) return;
    const timer = window.setTimeout(() => setCopied(false), 1500);
    return () => window.clearTimeout(timer);
  }, [copied]);
  return (
    <button
      type="button"
      className="copy-button copy-answer"
      data-testid="copy-answer"
      onClick={() => void copyText(text).then(setCopied)}
    >
      {copied ? t('copied') : label}
    </button>
  );
}

function sourceLabel(source: string, t: ReturnType<typeof useI18n>['t']): string {
  switch (source) {
    case 'mqtt':
    case 'device':
      return t('sourceMqtt');
    case 'voice':
      return t('sourceVoice');
    case 'http':
      return t('sourceHttp');
    default:
      return source;
  }
}
