import { describe, expect, it } from 'vitest';
import { counterShown, messageLength } from '../src/chat/compose';

describe('messageLength', () => {
  it('counts characters of the trimmed text as the service does, an emoji or a CJK character as one', () => {
    expect(messageLength('  hello \n')).toBe(5);
    expect(messageLength('你好😀')).toBe(3);
    expect('😀'.length).toBe(2);
  });
});

describe('counterShown', () => {
  it('shows from 90 % of the limit on', () => {
    expect(counterShown(3599, 4000)).toBe(false);
    expect(counterShown(3600, 4000)).toBe(true);
    expect(counterShown(5000, 4000)).toBe(true);
    expect(counterShown(8, 10)).toBe(false);
    expect(counterShown(9, 10)).toBe(true);
  });
});
