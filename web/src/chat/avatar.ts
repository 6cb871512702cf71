// Initials and a stable colour for a name, for avatars without pictures.

export const AVATAR_COLOURS = 8;

/** Up to two letters: the first of two words for Latin names, the first character otherwise (e.g. 张三 → 张). */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return '?';
  const first = [...words[0]!][0] ?? '?';
  if (!/^[A-Za-z0-9]$/.test(first)) return first;
  const second = words.length > 1 ? ([...words[1]!][0] ?? '') : ([...words[0]!][1] ?? '');
  return (first + (/^[A-Za-z0-9]$/.test(second) ? second : '')).toUpperCase();
}

/** 0 … AVATAR_COLOURS-1, the same for the same name everywhere. */
export function colourIndex(name: string): number {
  let hash = 0;
  for (const ch of name) hash = (hash * 31 + ch.codePointAt(0)!) >>> 0;
  return hash % AVATAR_COLOURS;
}
