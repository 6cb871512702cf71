import { useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import { useI18n } from '../i18n/context';
import { counterShown, messageLength } from './compose';
import { completeMention, insertMention, mentionCandidates, mentionQuery, type MentionQuery } from './mentions';

interface Props {
  room: string;
  enabled: boolean;
  maxChars: number;
  /** Without an assistant the placeholder does not invite @AI questions. */
  assistantEnabled: boolean;
  mentionNames: readonly string[];
  /** A mention asked for from elsewhere (a click on a member); a new object each time. */
  mentionRequest: { name: string } | null;
  /** A refused message's text, given back unless something new was typed meanwhile; a new object each time. */
  restoreRequest: { text: string } | null;
  onSend: (text: string) => void;
  /** The user typed something (not yet sent): tells the room, at a bounded rate. */
  onTyping?: () => void;
}

const LISTBOX_ID = 'mention-listbox';
const optionId = (i: number) => `mention-option-${i}`;

export function Composer({ room, enabled, maxChars, assistantEnabled, mentionNames, mentionRequest, restoreRequest, onSend, onTyping }: Props) {
  const { t } = useI18n();
  const [text, setText] = useState('');
  const [mention, setMention] = useState<MentionQuery | null>(null);
  const [picked, setPicked] = useState(0);
  const [pickerOpen, setPickerOpen] = useState(false);
  /** Enter was pressed while the page could not send: the text goes as soon as it can, unless it is changed first. */
  const [queued, setQueued] = useState(false);
  const input = useRef<HTMLTextAreaElement>(null);

  const candidates = mention ? mentionCandidates(mentionNames, mention.query) : pickerOpen ? [...mentionNames] : [];

  const update = (value: string, caret: number) => {
    if (value !== text) setQueued(false);
    setText(value);
    if (value.trim() !== '') onTyping?.();
    const query = mentionQuery(value, caret);
    setMention(query);
    setPicked(0);
    if (query) setPickerOpen(false);
  };

  /**
   * Where the caret goes once the text just placed is in the field: set right after React writes the value, before
   * the browser handles the next key. (Set on the next animation frame, a key typed at once went to the end of the
   * field and the caret then jumped back in front of it: "Hi @Bob ow are you?h".)
   */
  const caretAfterPlace = useRef<number | null>(null);
  const [placed, setPlaced] = useState(0);
  useLayoutEffect(() => {
    const caret = caretAfterPlace.current;
    if (caret === null) return;
    caretAfterPlace.current = null;
    input.current?.focus();
    input.current?.setSelectionRange(caret, caret);
  }, [placed]);

  const place = (value: string, caret: number) => {
    setQueued(false);
    setText(value);
    setMention(null);
    setPickerOpen(false);
    caretAfterPlace.current = caret;
    setPlaced((n) => n + 1);
  };

  const choose = (name: string) => {
    const el = input.current;
    const caret = el?.selectionStart ?? text.length;
    const next = mention ? completeMention(text, mention, caret, name) : insertMention(text, caret, name);
    place(next.text, next.caret);
  };

  useEffect(() => {
    if (!mentionRequest) return;
    const el = input.current;
    const current = el?.value ?? '';
    const next = insertMention(current, el?.selectionStart ?? current.length, mentionRequest.name);
    place(next.text, next.caret);
  }, [mentionRequest]);

  // a request from before this composer was shown (it was hidden for a nickname change) is not for it
  const restoredBefore = useRef(restoreRequest);
  useEffect(() => {
    if (!restoreRequest || restoreRequest === restoredBefore.current) return;
    restoredBefore.current = restoreRequest;
    if ((input.current?.value ?? '').trim() !== '') return;
    place(restoreRequest.text, restoreRequest.text.length);
  }, [restoreRequest]);

  const placeholder = assistantEnabled ? 'composerPlaceholder' : 'composerPlaceholderNoAi';
  const length = messageLength(text);
  const over = length > maxChars;

  const submit = () => {
    const message = text.trim();
    if (message === '' || over) return;
    if (!enabled) {
      // connecting or reconnecting: kept in the field, and sent once the page is online again
      setQueued(true);
      return;
    }
    setQueued(false);
    onSend(message);
    setText('');
    setMention(null);
  };

  useEffect(() => {
    if (enabled && queued) submit();
  }, [enabled, queued]);

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (candidates.length > 0) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        const step = e.key === 'ArrowDown' ? 1 : -1;
        setPicked((p) => (p + step + candidates.length) % candidates.length);
        return;
      }
      if (e.key === 'Enter' || e.key === 'Tab') {
        e.preventDefault();
        choose(candidates[Math.min(picked, candidates.length - 1)]!);
        return;
      }
      if (e.key === 'Escape') {
        setMention(null);
        setPickerOpen(false);
        return;
      }
    }
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      submit();
    }
  };

  return (
    <>
      <form
        className="composer"
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        {candidates.length > 0 && (
          <ul className="mention-picker" role="listbox" id={LISTBOX_ID} aria-label={t('mentionButton')} data-testid="mention-picker">
            {candidates.map((name, i) => (
              <li key={name} id={optionId(i)} role="option" aria-selected={i === picked}>
                <button
                  type="button"
                  tabIndex={-1}
                  className={i === picked ? 'picked' : ''}
                  onMouseDown={(e) => e.preventDefault()}
                  onClick={() => choose(name)}
                >
                  @{name}
                </button>
              </li>
            ))}
          </ul>
        )}
        <button
          type="button"
          className="icon-button"
          title={t('mentionButton')}
          aria-label={t('mentionButton')}
          aria-expanded={pickerOpen}
          aria-controls={LISTBOX_ID}
          onClick={() => {
            setPickerOpen((open) => !open);
            setMention(null);
            setPicked(0);
            input.current?.focus();
          }}
        >
          @
        </button>
        <textarea
          ref={input}
          value={text}
          rows={1}
          // the mention picker is this field's popup; focus stays here, the option picked with the arrows is "active"
          role="combobox"
          aria-autocomplete="list"
          aria-haspopup="listbox"
          aria-expanded={candidates.length > 0}
          aria-controls={LISTBOX_ID}
          aria-activedescendant={candidates.length > 0 ? optionId(Math.min(picked, candidates.length - 1)) : undefined}
          aria-invalid={over}
          aria-describedby={counterShown(length, maxChars) ? 'char-counter' : undefined}
          placeholder={enabled ? t(placeholder, { room }) : t('composerOffline')}
          aria-label={t(placeholder, { room })}
          onChange={(e) => update(e.target.value, e.target.selectionStart)}
          onKeyDown={onKeyDown}
          onClick={(e) => update(e.currentTarget.value, e.currentTarget.selectionStart)}
          onBlur={() => setMention(null)}
        />
        <button type="submit" className="send-button" disabled={!enabled || text.trim() === '' || over} data-queued={queued || undefined}>
          {queued ? t('sendQueued') : t('send')}
        </button>
      </form>
      {counterShown(length, maxChars) && (
        <span id="char-counter" className={over ? 'char-counter over' : 'char-counter'} data-testid="char-counter" aria-live="polite">
          {over ? t('charOver', { count: length, max: maxChars, over: length - maxChars }) : t('charCount', { count: length, max: maxChars })}
        </span>
      )}
    </>
  );
}
