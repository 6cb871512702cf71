import { useI18n } from '../i18n/context';
import type { ConnectionState } from './connection';

const LABEL = {
  connecting: 'stateConnecting',
  online: 'stateOnline',
  reconnecting: 'stateReconnecting',
  offline: 'stateOffline',
} as const;

export function ConnectionBadge({ state }: { state: ConnectionState }) {
  const { t } = useI18n();
  return (
    <span className={`badge badge-${state}`} role="status" aria-live="polite" data-state={state}>
      <span className="badge-dot" aria-hidden="true" />
      {t(LABEL[state])}
    </span>
  );
}
