// The HTTP API the page uses (PROTOCOL.md §2 and the page's own endpoints).

import {
  parseHistory,
  parseMqttToken,
  parsePageConfig,
  type ChatMessage,
  type MqttToken,
  type PageConfig,
} from './protocol';

async function json(response: Response): Promise<unknown> {
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const error = (body as { error?: { message?: unknown } } | null)?.error?.message;
    throw new Error(typeof error === 'string' ? error : `HTTP ${response.status}`);
  }
  return body;
}

export async function fetchConfig(): Promise<PageConfig> {
  const config = parsePageConfig(await json(await fetch('/api/config', { cache: 'no-store' })));
  if (!config) throw new Error('unexpected /api/config answer');
  return config;
}

/** The room's messages before `before` (or the latest), oldest first. */
export async function fetchHistory(room: string, limit: number, before?: string): Promise<ChatMessage[]> {
  const query = new URLSearchParams({ limit: String(limit) });
  if (before) query.set('before', before);
  const url = `/api/rooms/${encodeURIComponent(room)}/messages?${query.toString()}`;
  const messages = parseHistory(await json(await fetch(url, { cache: 'no-store' })));
  if (!messages) throw new Error('unexpected history answer');
  return messages;
}

export async function fetchToken(clientId: string): Promise<MqttToken> {
  const response = await fetch('/api/mqtt/token', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ client_id: clientId }),
  });
  const token = parseMqttToken(await json(response));
  if (!token) throw new Error('unexpected /api/mqtt/token answer');
  return token;
}
