import { describe, expect, it } from 'vitest';
import {
  completeMention,
  insertMention,
  mentionCandidates,
  mentionQuery,
  mentionsAssistant,
  splitMentions,
} from '../src/chat/mentions';

describe('mentionQuery', () => {
  it('finds the mention being typed at the caret', () => {
    expect(mentionQuery('hello @An', 9)).toEqual({ start: 6, query: 'An' });
    expect(mentionQuery('@', 1)).toEqual({ start: 0, query: '' });
    expect(mentionQuery('你好，@张', 5)).toEqual({ start: 3, query: '张' });
  });

  it('finds none after a space, inside an e-mail address or without @', () => {
    expect(mentionQuery('hello @Ann ', 11)).toBeNull();
    expect(mentionQuery('mail me@example', 15)).toBeNull();
    expect(mentionQuery('hello', 5)).toBeNull();
  });
});

describe('completing and inserting', () => {
  it('replaces the typed part with the full name and a space', () => {
    const text = 'hi @An how are you';
    expect(completeMention(text, { start: 3, query: 'An' }, 6, 'Ann')).toEqual({ text: 'hi @Ann how are you', caret: 8 });
  });

  it('replaces the rest of a word the caret is inside', () => {
    expect(completeMention('@Anxx', { start: 0, query: 'An' }, 3, 'Ann')).toEqual({ text: '@Ann ', caret: 5 });
  });

  it('inserts with a space before when needed (the @ button)', () => {
    expect(insertMention('', 0, 'AI')).toEqual({ text: '@AI ', caret: 4 });
    expect(insertMention('hello', 5, 'AI')).toEqual({ text: 'hello @AI ', caret: 10 });
    expect(insertMention('hello ', 6, 'AI')).toEqual({ text: 'hello @AI ', caret: 10 });
  });
});

describe('mentionCandidates', () => {
  const names = ['AI', '智能助手', 'Ann', 'anna', 'Bob', 'Joanne', 'Ann'];

  it('lists names starting with the query first, then containing it, without repeats', () => {
    expect(mentionCandidates(names, 'an')).toEqual(['Ann', 'anna', 'Joanne']);
  });

  it('lists everyone for an empty query, up to a limit', () => {
    expect(mentionCandidates(names, '')).toEqual(['AI', '智能助手', 'Ann', 'anna', 'Bob', 'Joanne']);
    expect(mentionCandidates(names, '', 2)).toEqual(['AI', '智能助手']);
  });

  it('matches Chinese names', () => {
    expect(mentionCandidates(names, '智能')).toEqual(['智能助手']);
  });
});

describe('splitMentions', () => {
  it('marks known mentions, longest name first, and keeps everything else as text', () => {
    expect(splitMentions('@AI助手 hi @AI and @Ann!', ['AI', 'AI助手', 'Ann'])).toEqual([
      { text: '@AI助手', mention: true },
      { text: ' hi ', mention: false },
      { text: '@AI', mention: true },
      { text: ' and ', mention: false },
      { text: '@Ann', mention: true },
      { text: '!', mention: false },
    ]);
  });

  it('leaves unknown names, e-mail addresses and markup alone', () => {
    expect(splitMentions('<img src=x> me@Ann.com @nobody', ['Ann'])).toEqual([
      { text: '<img src=x> me@Ann.com @nobody', mention: false },
    ]);
  });
});

describe('mentionsAssistant', () => {
  it('knows the trigger words of PROTOCOL.md §1.5 and the configured name', () => {
    expect(mentionsAssistant('hey @AI what time is it', '智能助手')).toBe(true);
    expect(mentionsAssistant('@助手 你好', 'Robo')).toBe(true);
    expect(mentionsAssistant('@Robo hi', 'Robo')).toBe(true);
    expect(mentionsAssistant('AI is great', 'Robo')).toBe(false);
  });
});
