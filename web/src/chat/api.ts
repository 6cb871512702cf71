// The HTTP API the page uses (PROTOCOL.md §2 and the page's own endpoints).

import {
  parseHistory,
  parseMqttToken,
  parsePageConfig,
  type ChatMessage,
  type MqttToken,
  type PageConfig,
} from './protocol';

/**
 * A failed call of the HTTP API: `status` and the API's error `code` when it answered with an error, `unexpected`
 * when its answer could not be read. The message stays the server's (English) text; the page translates by code.
 */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly code?: string,
    readonly unexpected = false,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

async function json(response: Response): Promise<unknown> {
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const error = (body as { error?: { message?: unknown; code?: unknown } } | null)?.error;
    const message = typeof error?.message === 'string' ? error.message : `HTTP ${response.status}`;
    throw new ApiError(message, response.status, typeof error?.code === 'string' ? error.code : undefined);
  }
  return body;
}

function unexpected(what: string): ApiError {
  return new ApiError(`unexpected ${what} answer`, undefined, undefined, true);
}

export async function fetchConfig(): Promise<PageConfig> {
  const config = parsePageConfig(await json(await fetch('/api/config', { cache: 'no-store' })));
  if (!config) throw unexpected('/api/config');
  return config;
}

/** The room's messages before `before` (or the latest), oldest first. */
export async function fetchHistory(room: string, limit: number, before?: string): Promise<ChatMessage[]> {
  const query = new URLSearchParams({ limit: String(limit) });
  if (before) query.set('before', before);
  const url = `/api/rooms/${encodeURIComponent(room)}/messages?${query.toString()}`;
  const messages = parseHistory(await json(await fetch(url, { cache: 'no-store' })));
  if (!messages) throw unexpected('history');
  return messages;
}

export async function fetchToken(clientId: string): Promise<MqttToken> {
  const response = await fetch('/api/mqtt/token', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ client_id: clientId }),
  });
  const token = parseMqttToken(await json(response));
  if (!token) throw unexpected('/api/mqtt/token');
  return token;
}
