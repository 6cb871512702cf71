// The voice page's panels: the step-by-step connection log, subtitles with the transcript and a text box, and the
// tools the assistant used. Everything users, the proxy or the model wrote is rendered as text.

import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { CallState, LogEntry } from '../call/session';
import type { Subtitles } from '../call/subtitles';
import { useI18n } from '../i18n/context';
import type { McpStatus } from '../mcp/mqttServer';
import type { ToolUse } from './usePageTools';

function clock(time: number): string {
  const d = new Date(time);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

export function CallLog({ state, log }: { state: CallState; log: readonly LogEntry[] }) {
  const { t } = useI18n();
  const list = useRef<HTMLOListElement>(null);
  useEffect(() => {
    const el = list.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [log]);
  return (
    <section className="voice-panel" aria-labelledby="connection-title">
      <h2 id="connection-title">{t('connectionTitle')}</h2>
      <p className={`call-state call-state-${state}`} data-testid="call-state-text">
        {t(`callState_${state}`)}
      </p>
      {log.length === 0 ? (
        <p className="muted small">{t('logEmpty')}</p>
      ) : (
        <ol className="call-log" ref={list} data-testid="call-log">
          {log.map((entry, i) => (
            <li key={i} className={`log-${entry.level}`}>
              <time>{clock(entry.time)}</time>
              <span className="log-mark" aria-hidden="true" />
              <span>{t(entry.key, entry.params)}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

export function SubtitlesPanel({
  subtitles,
  assistantName,
  canSend,
  onSend,
}: {
  subtitles: Subtitles;
  assistantName: string;
  canSend: boolean;
  onSend: (text: string) => Promise<void>;
}) {
  const { t } = useI18n();
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const { heard, spoken } = subtitles;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const message = text.trim();
    if (!message || !canSend) return;
    onSend(message).then(
      () => {
        setText('');
        setError(null);
      },
      (err: unknown) => setError(String((err as Error).message ?? err)),
    );
  };
  return (
    <section className="subtitles" aria-labelledby="subtitles-title">
      <h2 id="subtitles-title" className="visually-hidden">
        {t('subtitlesTitle')}
      </h2>
      <div className="subtitle-lines" aria-live="polite">
        {!heard && !spoken && <p className="muted subtitle-hint">{t('subtitlesHint', { name: assistantName })}</p>}
        {heard && (
          <p className={heard.interim ? 'subtitle subtitle-user interim' : 'subtitle subtitle-user'} data-testid="subtitle-heard">
            <span className="subtitle-who">{t('heardLabel')}</span>
            <span>{heard.text}</span>
          </p>
        )}
        {spoken && (
          <p className={`subtitle subtitle-assistant ${spoken.status}`} data-testid="subtitle-spoken">
            <span className="subtitle-who">{assistantName}</span>
            <span>
              {spoken.text}
              {spoken.status === 'cut' && <span className="muted"> {t('speechCut')}</span>}
            </span>
          </p>
        )}
      </div>
      <form className="voice-composer" onSubmit={submit}>
        <input
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder={canSend ? t('typePlaceholder') : t('typeNeedsCall')}
          disabled={!canSend}
          maxLength={2000}
          aria-label={t('typePlaceholder')}
        />
        <button type="submit" className="send-button" disabled={!canSend || text.trim() === ''}>
          {t('typeSend')}
        </button>
      </form>
      {error && <p className="banner banner-error">{error}</p>}
      {subtitles.transcript.length > 0 && (
        <details className="transcript">
          <summary>{t('transcriptTitle')}</summary>
          <ol>
            {subtitles.transcript.map((line, i) => (
              <li key={i} className={`transcript-${line.who}`}>
                <span className="subtitle-who">{line.who === 'user' ? t('heardLabel') : assistantName}</span>
                <span>
                  {line.text}
                  {line.cut && <span className="muted"> {t('speechCut')}</span>}
                </span>
              </li>
            ))}
          </ol>
        </details>
      )}
    </section>
  );
}

const PHOTO_URL = /https?:\/\/\S+\/api\/photos\/[A-Za-z0-9_-]+\.jpg/;

export function ToolsPanel({ status, uses }: { status: McpStatus; uses: readonly ToolUse[] }) {
  const { t } = useI18n();
  const online = status.state === 'online';
  return (
    <section className="voice-panel" aria-labelledby="tools-title" data-testid="tools-panel" data-state={status.state}>
      <h2 id="tools-title">{t('toolsTitle')}</h2>
      <p className="tools-status">
        <span className={`badge badge-${status.state}`}>
          <span className="badge-dot" aria-hidden="true" />
          {online ? t('toolsOnline', { name: status.serverName }) : t('toolsOffline')}
        </span>
        {online && <span className="muted small">{t('toolsClients', { count: status.clients })}</span>}
      </p>
      {uses.length === 0 ? (
        <p className="muted small">{t('toolsNone')}</p>
      ) : (
        <ul className="tool-uses">
          {uses.map((use) => {
            const photo = use.isError ? null : PHOTO_URL.exec(use.text)?.[0];
            return (
              <li key={use.id} className={use.isError ? 'log-error' : 'log-ok'}>
                <time>{clock(use.time)}</time>
                <code>{use.tool}</code>
                <span>{use.text}</span>
                {photo && (
                  <a href={photo} target="_blank" rel="noreferrer noopener" className="photo-link">
                    <img src={photo} alt={t('photoLink')} />
                  </a>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
