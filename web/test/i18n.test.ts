import { describe, expect, it } from 'vitest';
import { en, pickLanguage, translator, zh } from '../src/i18n';

describe('pickLanguage', () => {
  it('follows the browser: Chinese for any zh, English otherwise', () => {
    expect(pickLanguage(['zh-CN'])).toBe('zh');
    expect(pickLanguage(['zh-TW', 'en'])).toBe('zh');
    expect(pickLanguage(['zh'])).toBe('zh');
    expect(pickLanguage(['en-US', 'zh-CN'])).toBe('en');
    expect(pickLanguage(['fr-FR', 'zh-CN'])).toBe('zh');
    expect(pickLanguage(['fr-FR'])).toBe('en');
    expect(pickLanguage([])).toBe('en');
  });
});

describe('translator', () => {
  it('has every text in both languages, with the same placeholders', () => {
    const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(zh[key], key).toBeTruthy();
      expect(placeholders(zh[key]), key).toEqual(placeholders(en[key]));
    }
    expect(Object.keys(zh).sort()).toEqual(Object.keys(en).sort());
  });

  it('fills in values', () => {
    expect(translator('en')('membersCount', { count: 3 })).toBe('3 online');
    expect(translator('zh')('membersCount', { count: 3 })).toBe('3 人在线');
    expect(translator('zh')('composerPlaceholder', { room: 'main' })).toContain('#main');
  });

  it('leaves unknown placeholders visible rather than empty', () => {
    expect(translator('en')('replyingTo')).toBe('replying to {name}');
  });
});
