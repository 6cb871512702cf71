// Topic names of the chat room (PROTOCOL.md §1.1): the default room uses the seed's topics, room R `chatroom/R/…`.

export const ROOT = 'chatroom';
const ROOM_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const RESERVED = new Set(['messages', 'users', 'system', 'clients', 'presence']);

export interface RoomTopics {
  in: string;
  out: string;
  stream: string;
  join: string;
  leave: string;
  online: string;
  system: string;
  /** Who is typing (PROTOCOL.md §1.7): never stored, never retained. */
  typing: string;
}

export function isValidRoom(room: string): boolean {
  return ROOM_NAME.test(room) && !RESERVED.has(room);
}

/** The room a URL hash (`#lab`, `#/lab`) names; `fallback` when it names none that is valid or cannot be decoded. */
export function roomFromHash(hash: string, fallback: string): string {
  let room: string;
  try {
    room = decodeURIComponent(hash.replace(/^#\/?/, ''));
  } catch {
    return fallback; // a stray `%`, e.g. `#50%`
  }
  return isValidRoom(room) ? room : fallback;
}

export function roomTopics(room: string, defaultRoom: string): RoomTopics {
  const base = room === defaultRoom ? ROOT : `${ROOT}/${room}`;
  return {
    in: `${base}/messages/in`,
    out: `${base}/messages/out`,
    stream: `${base}/messages/stream`,
    join: `${base}/users/join`,
    leave: `${base}/users/leave`,
    online: `${base}/users/online`,
    system: `${base}/system`,
    typing: `${base}/users/typing`,
  };
}

export function errorsTopic(clientId: string): string {
  return `${ROOT}/clients/${clientId}/errors`;
}
