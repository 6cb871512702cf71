import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PUBACK_NOTICE_DELAY_MS, REFUSAL_WINDOW_MS, Refusals } from '../src/chat/refusals';

describe('Refusals', () => {
  let restored: string[];
  let notices: string[];
  let refusals: Refusals;

  beforeEach(() => {
    vi.useFakeTimers();
    restored = [];
    notices = [];
    refusals = new Refusals(
      (text) => restored.push(text),
      (text) => notices.push(text),
      () => Date.now(),
    );
  });
  afterEach(() => vi.useRealTimers());

  it('gives back the latest message sent when an error reply refuses it shortly after', () => {
    refusals.add('first');
    refusals.add('second');
    refusals.errorReply('RATE_LIMITED', 'too fast');
    expect(restored).toEqual(['second']);
    expect(notices).toEqual(['too fast']);
    refusals.errorReply('RATE_LIMITED', 'too fast');
    expect(restored).toEqual(['second', 'first']);
  });

  it('gives back exactly the message an error reply names by its message_id', () => {
    refusals.add('first', 'm-1');
    refusals.add('second', 'm-2');
    refusals.errorReply('RATE_LIMITED', 'too fast', 'm-1');
    expect(restored).toEqual(['first']);
    refusals.errorReply('RATE_LIMITED', 'too fast', 'm-unknown');
    expect(restored).toEqual(['first']); // names none of ours: nothing guessed
    refusals.errorReply('RATE_LIMITED', 'too fast', 'm-2');
    expect(restored).toEqual(['first', 'second']);
  });

  it('gives nothing back for BUSY (the message was posted) or for a reply long after the send', () => {
    refusals.add('question');
    refusals.errorReply('BUSY', 'busy');
    expect(restored).toEqual([]);
    vi.advanceTimersByTime(REFUSAL_WINDOW_MS);
    refusals.errorReply('RATE_LIMITED', 'too fast');
    expect(restored).toEqual([]);
    expect(notices).toEqual(['busy', 'too fast']);
  });

  it('gives the text back on a PUBACK refusal and says so once, in the error reply words when one follows', () => {
    const refused = refusals.add('hello');
    refused('refused by the broker');
    expect(restored).toEqual(['hello']);
    refusals.errorReply('FORBIDDEN', 'forbidden');
    vi.advanceTimersByTime(PUBACK_NOTICE_DELAY_MS);
    expect(restored).toEqual(['hello']);
    expect(notices).toEqual(['forbidden']);
  });

  it('says the PUBACK refusal in general terms when no error reply follows', () => {
    refusals.add('hello')('refused by the broker');
    expect(notices).toEqual([]);
    vi.advanceTimersByTime(PUBACK_NOTICE_DELAY_MS);
    expect(notices).toEqual(['refused by the broker']);
  });

  it('does nothing more for a PUBACK refusal after the error reply already gave the text back', () => {
    const refused = refusals.add('hello');
    refusals.errorReply('TOO_LARGE', 'too long');
    refused('refused by the broker');
    vi.advanceTimersByTime(PUBACK_NOTICE_DELAY_MS);
    expect(restored).toEqual(['hello']);
    expect(notices).toEqual(['too long']);
  });

  it('forgets what was sent in the room left', () => {
    refusals.add('hello');
    refusals.clear();
    refusals.errorReply('RATE_LIMITED', 'too fast');
    expect(restored).toEqual([]);
  });
});
