// Giving a refused message back to its writer. The composer empties when a message goes out; the service may still
// refuse it: on the embedded broker with a PUBACK reason code and an error reply, later (RATE_LIMITED, …) with an
// error reply alone. An error reply names the refused message by its `message_id`; one from an older server that names
// none, coming shortly after a send, is taken to be about the latest message sent and not answered yet.

import { refusesInput } from './errors';

/** How long after a send an error reply is taken to be about it. */
export const REFUSAL_WINDOW_MS = 5000;
/** How long a PUBACK refusal waits for the error reply that says why, before it says so in general terms. */
export const PUBACK_NOTICE_DELAY_MS = 1500;

interface Sent {
  text: string;
  /** The message_id it was sent with, if known. */
  id?: string;
  at: number;
  /** An error reply was matched to it. */
  answered: boolean;
  /** Its text was given back. */
  restored: boolean;
  timer?: ReturnType<typeof setTimeout>;
}

export class Refusals {
  private sent: Sent[] = [];

  constructor(
    /** Puts the text back in the composer (which keeps what was typed since, if anything). */
    private readonly restore: (text: string) => void,
    private readonly notice: (text: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** A message went out; the returned function reports a PUBACK refusal of it, with the notice to show. */
  add(text: string, id?: string): (noticeText: string) => void {
    const at = this.now();
    this.sent = this.sent.filter((s) => at - s.at < REFUSAL_WINDOW_MS);
    const entry: Sent = { text, id, at, answered: false, restored: false };
    this.sent.push(entry);
    return (noticeText) => {
      if (entry.answered) return; // the error reply came first and said it
      this.giveBack(entry);
      clearTimeout(entry.timer);
      entry.timer = setTimeout(() => {
        if (!entry.answered) this.notice(noticeText);
      }, PUBACK_NOTICE_DELAY_MS);
    };
  }

  /** An error reply arrived on the client's errors topic; its notice is shown in any case. */
  errorReply(code: string, noticeText: string, messageId?: string): void {
    this.notice(noticeText);
    if (!refusesInput(code)) return;
    const now = this.now();
    const entry = messageId
      ? this.sent.find((s) => s.id === messageId && !s.answered)
      : [...this.sent].reverse().find((s) => !s.answered && now - s.at < REFUSAL_WINDOW_MS);
    if (!entry) return;
    entry.answered = true;
    clearTimeout(entry.timer);
    this.giveBack(entry);
  }

  /** Forgets what was sent (a room switch). */
  clear(): void {
    for (const s of this.sent) clearTimeout(s.timer);
    this.sent = [];
  }

  private giveBack(entry: Sent): void {
    if (entry.restored) return;
    entry.restored = true;
    this.restore(entry.text);
  }
}
