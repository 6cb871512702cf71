// Catching up with a room's history after a reconnect: page back from the newest message until a page reaches a
// message the page already shows, so that a gap of any length (up to a cap) is filled.

import type { ChatMessage } from './protocol';

/** How many messages a catch-up reads at most before it gives up joining them to what is shown. */
export const CATCH_UP_CAP = 500;

export interface CatchUp {
  /** The messages read, oldest first. */
  messages: ChatMessage[];
  /** The messages reach a message already shown (or there was none): merging them leaves no hole. */
  joined: boolean;
  /** A page came back short: the room's first message is among them. */
  atBeginning: boolean;
}

/**
 * Reads the newest page; when `known` (the messages shown before the connection dropped) is not empty and the page
 * does not reach one of them, reads the page before it, and so on, until one does, the room's beginning is
 * reached, or `cap` messages have been read.
 */
export async function catchUp(
  fetchPage: (before: string | undefined) => Promise<ChatMessage[]>,
  known: ReadonlySet<string>,
  pageSize: number,
  cap = CATCH_UP_CAP,
): Promise<CatchUp> {
  const pages: ChatMessage[][] = [];
  let read = 0;
  let before: string | undefined;
  for (;;) {
    const page = await fetchPage(before);
    pages.unshift(page);
    read += page.length;
    const messages = () => pages.flat();
    if (page.length < pageSize) return { messages: messages(), joined: true, atBeginning: true };
    if (known.size === 0 || page.some((m) => known.has(m.message_id))) {
      return { messages: messages(), joined: true, atBeginning: false };
    }
    if (read >= cap) return { messages: messages(), joined: false, atBeginning: false };
    before = page[0]!.message_id;
  }
}
