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

function nicknames(): Record<string, string> {
  try {
    const map: unknown = JSON.parse(read('nicknames') ?? '{}');
    return map !== null && typeof map === 'object' && !Array.isArray(map) ? (map as Record<string, string>) : {};
  } catch {
    return {};
  }
}

/** The nickname this browser joined `room` with, to join again by itself after a reload. */
export function savedNicknameFor(room: string): string | null {
  const name = nicknames()[room];
  return typeof name === 'string' && name.trim() !== '' ? name : null;
}

/** Remembers the nickname for this room (and as the default for rooms not joined yet). */
export function saveNickname(nickname: string, room?: string): void {
  write('nickname', nickname);
  if (room === undefined) return;
  const map = nicknames();
  delete map[room];
  // the rooms joined most recently, at most 50
  const entries = [[room, nickname], ...Object.entries(map)].slice(0, 50);
  write('nicknames', JSON.stringify(Object.fromEntries(entries)));
}

const TAB_CLIENT_ID = 'aichatroom.clientId';

/**
 * The MQTT client id of this tab. A reload keeps it (sessionStorage), so that the room sees the same member come
 * back instead of a leave and a join (docs/decisions/0011); any other navigation, a duplicated tab included, gets
 * a fresh one, so that two tabs never share an id (they would take over each other's connection).
 */
export function tabClientId(fresh: () => string, owns: (id: string) => boolean, reload = isReload()): string {
  let kept: string | null = null;
  try {
    kept = sessionStorage.getItem(TAB_CLIENT_ID);
  } catch {
    // no storage: a fresh id per load
  }
  if (reload && kept && owns(kept)) return kept;
  const id = fresh();
  try {
    sessionStorage.setItem(TAB_CLIENT_ID, id);
  } catch {
    // as above
  }
  return id;
}

function isReload(): boolean {
  const entry = performance.getEntriesByType?.('navigation')[0] as PerformanceNavigationTiming | undefined;
  return entry?.type === 'reload';
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
