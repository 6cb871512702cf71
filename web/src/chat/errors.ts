// What the page says about failures in the reader's language: the service's error replies by their `code`
// (PROTOCOL.md §1.4), and failed calls of the HTTP API. The server's own text is English; it is shown only for a
// code the page does not know.

import type { MessageKey, Translate } from '../i18n';
import { ApiError } from './api';

/** The codes of the service's error replies (PROTOCOL.md §1.4). */
export const ERROR_CODES = [
  'INVALID_JSON',
  'INVALID_ENCODING',
  'CONTROL_CHARACTER',
  'BIDI_CONTROL',
  'INVALID_CLIENT_ID',
  'RESERVED_NAME',
  'EMPTY_MESSAGE',
  'MISSING_FIELD',
  'TOO_LARGE',
  'RATE_LIMITED',
  'FORBIDDEN',
  'INVALID_ROOM',
  'BUSY',
  'UNAVAILABLE',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export function isErrorCode(code: string): code is ErrorCode {
  return (ERROR_CODES as readonly string[]).includes(code);
}

/** The codes for which the input was not taken (BUSY: the message was posted, the assistant just does not answer). */
export function refusesInput(code: string): boolean {
  return code !== 'BUSY';
}

/** The notice for an error reply: translated by code, else the server's message. */
export function errorReplyText(t: Translate, code: string, message: string): string {
  if (code === 'BUSY') return t('errorCode_BUSY');
  return t('errorPrefix', { message: isErrorCode(code) ? t(`errorCode_${code}` as MessageKey) : message });
}

/** HTTP API error codes the page translates (besides the error reply codes). */
const HTTP_CODES: Record<string, MessageKey> = {
  CLIENT_ID_TAKEN: 'errorHttp_CLIENT_ID_TAKEN',
  RATE_LIMITED: 'errorHttp_RATE_LIMITED',
  INVALID_ROOM: 'errorCode_INVALID_ROOM',
};

/** Why a call of the HTTP API failed, in the reader's language where the page knows the reason. */
export function failureText(t: Translate, error: unknown): string {
  if (error instanceof ApiError) {
    if (error.unexpected) return t('errorUnexpectedAnswer');
    const key = error.code !== undefined ? HTTP_CODES[error.code] : undefined;
    if (key) return t(key);
    if (error.code === undefined && error.status !== undefined) return t('errorHttpStatus', { status: error.status });
    return error.message;
  }
  // fetch rejects with a TypeError when the server cannot be reached at all
  if (error instanceof TypeError) return t('errorNetwork');
  return String((error as Error | undefined)?.message ?? error);
}

/** Why a publish failed: the broker's PUBACK reason code (mqtt.js puts it in `code`), or no connection. */
export function publishFailureText(t: Translate, error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'number') return t('errorPublishRefused', { code: `0x${code.toString(16)}` });
  if ((error as Error | null)?.message === 'not connected') return t('errorNotConnected');
  return String((error as Error | undefined)?.message ?? error);
}
