// JSON-RPC 2.0 as MCP uses it: one message per MQTT payload, no batches. Decoding says what to answer when the
// input is broken, the same way the Java transport (mcp-mqtt/JsonRpcCodec) does.

export type Id = string | number;

export interface Request {
  kind: 'request';
  id: Id;
  method: string;
  params: Record<string, unknown> | undefined;
}

export interface Notification {
  kind: 'notification';
  method: string;
  params: Record<string, unknown> | undefined;
}

export interface Response {
  kind: 'response';
  id: Id;
  result?: unknown;
  error?: RpcError;
}

/** Input that is not a usable message; `answer` says whether to reply with `code` (never to a broken response). */
export interface Invalid {
  kind: 'invalid';
  id: Id | null;
  code: number;
  reason: string;
  answer: boolean;
}

export type Decoded = Request | Notification | Response | Invalid;

export interface RpcError {
  code: number;
  message: string;
  data?: unknown;
}

export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;
export const METHOD_NOT_FOUND = -32601;
export const INVALID_PARAMS = -32602;
export const INTERNAL_ERROR = -32603;

const decoder = new TextDecoder('utf-8', { fatal: true });

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isId(value: unknown): value is Id {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
}

function invalid(id: Id | null, reason: string, answer = true, code = INVALID_REQUEST): Invalid {
  return { kind: 'invalid', id, code, reason, answer };
}

/** Reads one JSON-RPC message; anything larger than `maxBytes` is refused before it is parsed. */
export function decode(payload: Uint8Array | string, maxBytes = 1024 * 1024): Decoded {
  const size = typeof payload === 'string' ? new TextEncoder().encode(payload).length : payload.length;
  if (size > maxBytes) return invalid(null, `message of ${size} bytes exceeds the maximum payload of ${maxBytes} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(typeof payload === 'string' ? payload : decoder.decode(payload));
  } catch {
    return invalid(null, 'Parse error: not JSON', true, PARSE_ERROR);
  }
  if (Array.isArray(value)) return invalid(null, 'JSON-RPC batches are not supported');
  if (!isObject(value)) return invalid(null, 'a JSON-RPC message is a JSON object');
  const id = isId(value.id) ? value.id : null;
  if (value.jsonrpc !== '2.0') return invalid(id, 'jsonrpc must be "2.0"');
  if ('method' in value) {
    if (typeof value.method !== 'string' || value.method === '') return invalid(id, 'method must be a non-empty string');
    if (value.params !== undefined && !isObject(value.params)) return invalid(id, 'params must be an object');
    const params = value.params as Record<string, unknown> | undefined;
    if (!('id' in value)) return { kind: 'notification', method: value.method, params };
    if (id === null) return invalid(null, 'id must be a string or a number');
    return { kind: 'request', id, method: value.method, params };
  }
  // a response: never answered when broken, so that two peers cannot bounce errors forever
  if (id === null) return invalid(null, 'a response needs an id', false);
  if ('result' in value && !('error' in value)) return { kind: 'response', id, result: value.result };
  if (isObject(value.error) && typeof value.error.code === 'number' && typeof value.error.message === 'string') {
    return { kind: 'response', id, error: { code: value.error.code, message: value.error.message, data: value.error.data } };
  }
  return invalid(id, 'neither a request, a notification nor a response', false);
}

export function result(id: Id, value: unknown): string {
  return JSON.stringify({ jsonrpc: '2.0', id, result: value });
}

export function error(id: Id | null, code: number, message: string): string {
  return JSON.stringify({ jsonrpc: '2.0', id, error: { code, message } });
}

export function notification(method: string, params?: Record<string, unknown>): string {
  return JSON.stringify(params === undefined ? { jsonrpc: '2.0', method } : { jsonrpc: '2.0', method, params });
}
