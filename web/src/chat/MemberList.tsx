import { useI18n } from '../i18n/context';
import { Avatar } from './Avatar';
import { isAssistant, type OnlineUser } from './protocol';

interface Props {
  members: readonly OnlineUser[];
  /** How many members the room has (the list may name only the first of a large room). */
  memberCount?: number;
  assistantName: string;
  /** Whether an assistant is configured: shown first when there is one. */
  assistantEnabled: boolean;
  ownClientId: string;
  onMention: (name: string) => void;
}

export function MemberList({ members, memberCount, assistantName, assistantEnabled, ownClientId, onMention }: Props) {
  const { t } = useI18n();
  // a person may be called like the assistant; the assistant itself is shown on its own line
  const people = members.filter((m) => !isAssistant(m));
  const unnamed = Math.max(0, (memberCount ?? members.length) - members.length);
  return (
    <section className="panel members" aria-label={t('members')}>
      <h2>
        {t('members')} <span className="muted">{t('membersCount', { count: people.length + unnamed + (assistantEnabled ? 1 : 0) })}</span>
      </h2>
      <ul data-testid="members">
        {assistantEnabled && (
          <li className="member" data-testid="assistant-member">
            <button type="button" className="member-button" onClick={() => onMention('AI')}>
              <Avatar name={assistantName} assistant small />
              <span className="member-name">{assistantName}</span>
              <span className="tag tag-ai">{t('assistantBadge')}</span>
            </button>
          </li>
        )}
        {people.map((m) => (
          <li key={m.client_id} className="member" data-testid="member">
            <button type="button" className="member-button" onClick={() => onMention(m.username)}>
              <Avatar name={m.username} small />
              <span className="member-name">{m.username}</span>
              {m.client_id === ownClientId ? (
                <span className="tag">{t('you')}</span>
              ) : (
                m.source !== 'web' && <span className="tag">{m.source === 'voice' ? t('sourceVoice') : t('sourceMqtt')}</span>
              )}
            </button>
          </li>
        ))}
        {unnamed > 0 && (
          <li className="member muted" data-testid="members-more">
            {t('membersMore', { count: unnamed })}
          </li>
        )}
      </ul>
    </section>
  );
}
