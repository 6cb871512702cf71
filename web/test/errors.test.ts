import { describe, expect, it } from 'vitest';
import { ApiError } from '../src/chat/api';
import { ERROR_CODES, errorReplyText, failureText, publishFailureText, refusesInput } from '../src/chat/errors';
import { en, translator, zh } from '../src/i18n';

const serverText = 'too many messages; at most 20 per minute';

describe('errorReplyText', () => {
  it('translates every error code the service sends, in both languages', () => {
    for (const code of ERROR_CODES) {
      const key = `errorCode_${code}` as keyof typeof en;
      expect(en[key], code).toBeTruthy();
      expect(zh[key], code).toBeTruthy();
      expect(zh[key], code).not.toBe(en[key]);
      for (const language of ['en', 'zh'] as const) {
        const text = errorReplyText(translator(language), code, serverText);
        expect(text, `${language} ${code}`).toContain(translator(language)(key));
        expect(text, `${language} ${code}`).not.toContain(serverText);
      }
    }
  });

  it('says "not sent" for a refused message, but not for BUSY, whose message was posted', () => {
    const t = translator('zh');
    expect(errorReplyText(t, 'RATE_LIMITED', serverText)).toBe('未发送：发送太快了，请稍等片刻再发送');
    expect(errorReplyText(t, 'BUSY', 'assistant busy')).toBe(zh.errorCode_BUSY);
    expect(refusesInput('RATE_LIMITED')).toBe(true);
    expect(refusesInput('BUSY')).toBe(false);
    expect(refusesInput('UNAVAILABLE')).toBe(true); // the store failed: the text goes back to the composer
  });

  it('shows the server message for a code it does not know', () => {
    expect(errorReplyText(translator('zh'), 'NEW_CODE', 'something new')).toBe('未发送：something new');
  });
});

describe('failureText', () => {
  const t = translator('zh');

  it('translates the fixed parts of HTTP failures', () => {
    expect(failureText(t, new ApiError('HTTP 502', 502))).toBe('服务器返回 HTTP 状态 502');
    expect(failureText(t, new ApiError('unexpected history answer', undefined, undefined, true))).toBe(zh.errorUnexpectedAnswer);
    expect(failureText(t, new ApiError('another browser uses this MQTT client id', 409, 'CLIENT_ID_TAKEN'))).toBe(
      zh.errorHttp_CLIENT_ID_TAKEN,
    );
    expect(failureText(t, new ApiError('too many MQTT tokens', 429, 'RATE_LIMITED'))).toBe(zh.errorHttp_RATE_LIMITED);
    expect(failureText(t, new TypeError('Failed to fetch'))).toBe(zh.errorNetwork);
  });

  it('keeps the server message for an API error code it does not know', () => {
    expect(failureText(t, new ApiError('send {"client_id":"…"}', 400, 'INVALID_CLIENT_ID'))).toBe('send {"client_id":"…"}');
  });
});

describe('publishFailureText', () => {
  it('names the PUBACK reason code, or the missing connection', () => {
    const t = translator('en');
    expect(publishFailureText(t, Object.assign(new Error('Publish error: Not authorized'), { code: 135 }))).toBe(
      'the broker refused it (reason 0x87)',
    );
    expect(publishFailureText(translator('zh'), new Error('not connected'))).toBe('尚未连接');
  });
});
