// `@` mentions: finding the one being typed, completing it, and marking mentions in messages (still as text).

/** Names the assistant answers to besides its display name (PROTOCOL.md §1.5). */
export const ASSISTANT_ALIASES = ['AI', 'ai', 'AI助手', '智能助手', '助手'];

/** The mention being typed at the caret: `@` at `start`, then `query` up to the caret. */
export interface MentionQuery {
  start: number;
  query: string;
}

const BOUNDARY = /[\s([{'"“‘、，。,.!?！？:：;；]/;

export function mentionQuery(text: string, caret: number): MentionQuery | null {
  const before = text.slice(0, caret);
  const at = before.lastIndexOf('@');
  if (at < 0) return null;
  const query = before.slice(at + 1);
  if (/\s/.test(query) || query.length > 32) return null;
  const prev = at > 0 ? before[at - 1] : undefined;
  if (prev !== undefined && !BOUNDARY.test(prev)) return null;
  return { start: at, query };
}

/** Replaces the mention being typed with `@name ` and puts the caret after it. */
export function completeMention(text: string, mention: MentionQuery, caret: number, name: string): { text: string; caret: number } {
  const inserted = `@${name} `;
  const rest = text.slice(caret).replace(/^\S*/, '').replace(/^ /, '');
  return { text: text.slice(0, mention.start) + inserted + rest, caret: mention.start + inserted.length };
}

/** Inserts `@name ` at the caret (the @ button), with a space before it when the text needs one. */
export function insertMention(text: string, caret: number, name: string): { text: string; caret: number } {
  const before = text.slice(0, caret);
  const gap = before.length > 0 && !/\s$/.test(before) ? ' ' : '';
  const inserted = `${gap}@${name} `;
  return { text: before + inserted + text.slice(caret), caret: caret + inserted.length };
}

/** Names matching a query: those starting with it first, then those containing it; case-insensitive, unique. */
export function mentionCandidates(names: readonly string[], query: string, limit = 8): string[] {
  const q = query.toLocaleLowerCase();
  const unique = [...new Set(names.filter((n) => n.trim() !== ''))];
  const starts = unique.filter((n) => n.toLocaleLowerCase().startsWith(q));
  const contains = unique.filter((n) => !n.toLocaleLowerCase().startsWith(q) && n.toLocaleLowerCase().includes(q));
  return [...starts, ...contains].slice(0, limit);
}

export interface Segment {
  text: string;
  mention: boolean;
}

/** Splits a message into plain text and `@name` mentions of the given names, longest name first. */
export function splitMentions(content: string, names: readonly string[]): Segment[] {
  const sorted = [...new Set(names.filter((n) => n !== ''))].sort((a, b) => b.length - a.length);
  const segments: Segment[] = [];
  let plain = '';
  let i = 0;
  while (i < content.length) {
    const prev = i > 0 ? content[i - 1] : undefined;
    if (content[i] === '@' && (prev === undefined || BOUNDARY.test(prev))) {
      const name = sorted.find((n) => content.startsWith(n, i + 1));
      if (name !== undefined) {
        if (plain) segments.push({ text: plain, mention: false });
        plain = '';
        segments.push({ text: `@${name}`, mention: true });
        i += name.length + 1;
        continue;
      }
    }
    plain += content[i];
    i += 1;
  }
  if (plain) segments.push({ text: plain, mention: false });
  return segments;
}

/** Whether a text calls the assistant (PROTOCOL.md §1.5). */
export function mentionsAssistant(text: string, assistantName: string): boolean {
  return [...ASSISTANT_ALIASES, assistantName].some((n) => text.includes(`@${n}`));
}
