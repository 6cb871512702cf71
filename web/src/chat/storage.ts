// What the page remembers in this browser: an identity, the last nickname and the rooms visited.

import { randomId } from './ids';
import { isValidRoom } from './topics';

const KEY = 'aichatroom.';

function read(name: string): string | null {
  try {
    return localStorage.getItem(KEY + name);
  } catch {
    return null;
  }
}

function write(name: string, value: string): void {
  try {
    localStorage.setItem(KEY + name, value);
  } catch {
    // private mode or storage full: the page works without remembering
  }
}

export function identity(): string {
  const known = read('identity');
  if (known && /^[a-z0-9]{8,16}$/.test(known)) return known;
  const fresh = randomId(10);
  write('identity', fresh);
  return fresh;
}

export function savedNickname(): string {
  return read('nickname') ?? '';
}

export function saveNickname(nickname: string): void {
  write('nickname', nickname);
}

export function savedRooms(): string[] {
  try {
    const list: unknown = JSON.parse(read('rooms') ?? '[]');
    return Array.isArray(list) ? list.filter((r): r is string => typeof r === 'string' && isValidRoom(r)) : [];
  } catch {
    return [];
  }
}

export function saveRooms(rooms: readonly string[]): void {
  write('rooms', JSON.stringify(rooms.slice(0, 20)));
}
