// Identifiers the page makes. crypto.randomUUID exists only on https and localhost; getRandomValues everywhere.

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export function randomId(length: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return [...bytes].map((b) => ALPHABET[b % ALPHABET.length]).join('');
}

/** A random (version 4) UUID: the idempotency key of a message. */
export function uuid(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * A fresh MQTT client id per page load, `web_<identity>_<random>`: unique per tab (two tabs never take over each
 * other's session), while the identity part, kept by the browser, recognises this browser's own earlier messages.
 */
export function newClientId(identity: string): string {
  return `web_${identity}_${randomId(6)}`;
}

export function isOwnClientId(clientId: string | undefined, identity: string): boolean {
  return clientId !== undefined && clientId.startsWith(`web_${identity}_`);
}
