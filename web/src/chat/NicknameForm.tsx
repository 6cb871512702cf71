import { useState } from 'react';
import { useI18n } from '../i18n/context';

interface Props {
  initial: string;
  maxChars: number;
  onJoin: (nickname: string) => void;
}

export function NicknameForm({ initial, maxChars, onJoin }: Props) {
  const { t } = useI18n();
  const [name, setName] = useState(initial);
  const trimmed = name.trim();
  return (
    <form
      className="nickname-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (trimmed) onJoin(trimmed);
      }}
    >
      <div className="nickname-text">
        <strong>{t('nicknameTitle')}</strong>
        <span className="muted">{t('nicknameHint')}</span>
      </div>
      <input
        value={name}
        maxLength={maxChars}
        placeholder={t('nicknamePlaceholder')}
        aria-label={t('nicknamePlaceholder')}
        autoFocus
        onChange={(e) => setName(e.target.value)}
      />
      <button type="submit" className="send-button" disabled={!trimmed}>
        {t('nicknameJoin')}
      </button>
    </form>
  );
}
