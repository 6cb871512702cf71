// The page's language follows the browser: Chinese for any `zh*` language, English otherwise.

import { en, zh, type MessageKey, type Messages } from './messages';

export type Language = 'en' | 'zh';
export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

const catalogs: Record<Language, Messages> = { en, zh };

/** The first of the browser's languages that the page speaks; English when none. */
export function pickLanguage(languages: readonly string[]): Language {
  for (const tag of languages) {
    const lower = tag.toLowerCase();
    if (lower === 'zh' || lower.startsWith('zh-')) return 'zh';
    if (lower === 'en' || lower.startsWith('en-')) return 'en';
  }
  return 'en';
}

export function browserLanguage(): Language {
  if (typeof navigator === 'undefined') return 'en';
  const list = navigator.languages?.length ? navigator.languages : [navigator.language];
  return pickLanguage(list.filter((l): l is string => typeof l === 'string'));
}

export function translator(language: Language): Translate {
  const catalog = catalogs[language];
  return (key, params) => {
    const text = catalog[key] ?? en[key];
    return params ? text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole)) : text;
  };
}

export type { MessageKey, Messages };
export { en, zh };
