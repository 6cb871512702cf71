// System notices in the page's language: by their stable code and parameters (PROTOCOL.md §1.2), the service's text
// (in CHAT_LANGUAGE) only for a notice without a code or with one the page does not know.
import type { MessageKey } from '../i18n/messages';
import type { Translate } from '../i18n';
import type { SystemMessage } from './protocol';

const MQTT_SOURCES = new Set(['', 'mqtt', 'device']);
const AI_REASONS = new Set([
  'RATE_LIMITED', 'UNAUTHORIZED', 'PROVIDER_ERROR', 'BAD_REQUEST', 'NO_FIRST_TOKEN', 'TIMEOUT', 'STALLED',
  'INTERRUPTED', 'PAUSED', 'UNAVAILABLE', 'STOPPED',
]);

export function noticeText(t: Translate, notice: SystemMessage): string {
  const p = notice.params ?? {};
  const username = p.username ?? '';
  const viaMqtt = MQTT_SOURCES.has(p.source ?? '');
  switch (notice.code) {
    case 'SERVICE_CONNECTED':
      return t('notice_SERVICE_CONNECTED');
    case 'SERVICE_STOPPING':
      return t('notice_SERVICE_STOPPING');
    case 'USER_JOINED':
      return t(viaMqtt ? 'notice_USER_JOINED_MQTT' : 'notice_USER_JOINED', { username });
    case 'USER_LEFT':
      return t(viaMqtt ? 'notice_USER_LEFT_MQTT' : 'notice_USER_LEFT', { username });
    case 'AI_NO_ANSWER':
      return t('notice_AI_NO_ANSWER', { assistant: p.assistant ?? '', asker: p.asker ?? '' });
    case 'AI_MODEL_DOWNLOADING':
      return t('notice_AI_MODEL_DOWNLOADING', { model: p.model ?? '' });
    case 'AI_FAILED': {
      const reason = p.reason ?? '';
      if (!AI_REASONS.has(reason)) return notice.message;
      const why = t(`aiReason_${reason}` as MessageKey, { status: p.status ?? '', seconds: p.seconds ?? '' });
      return t('notice_AI_FAILED', { assistant: p.assistant ?? '', asker: p.asker ?? '', reason: why });
    }
    default:
      return notice.message;
  }
}
