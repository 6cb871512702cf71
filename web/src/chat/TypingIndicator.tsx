import { useI18n } from '../i18n/context';

/** "Alice is typing…" under the messages; an empty line of the same height when nobody is, so nothing jumps. */
export function TypingIndicator({ names }: { names: readonly string[] }) {
  const { t } = useI18n();
  const [first, second] = names;
  const text =
    first === undefined
      ? ''
      : second === undefined
        ? t('typingOne', { name: first })
        : names.length === 2
          ? t('typingTwo', { first, second })
          : t('typingMany');
  return (
    <div className="typing-indicator" data-testid="typing" aria-live="polite">
      {text}
    </div>
  );
}
