import { useI18n } from '../i18n/context';
import { Avatar } from './Avatar';
import type { OnlineUser } from './protocol';

interface Props {
  members: readonly OnlineUser[];
  assistantName: string;
  ownClientId: string;
  onMention: (name: string) => void;
}

export function MemberList({ members, assistantName, ownClientId, onMention }: Props) {
  const { t } = useI18n();
  const people = members.filter((m) => m.username !== assistantName);
  return (
    <section className="panel members" aria-label={t('members')}>
      <h2>
        {t('members')} <span className="muted">{t('membersCount', { count: people.length + 1 })}</span>
      </h2>
      <ul data-testid="members">
        <li className="member">
          <button type="button" className="member-button" onClick={() => onMention('AI')}>
            <Avatar name={assistantName} assistant small />
            <span className="member-name">{assistantName}</span>
            <span className="tag tag-ai">{t('assistantBadge')}</span>
          </button>
        </li>
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
      </ul>
    </section>
  );
}
