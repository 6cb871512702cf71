import { type ReactNode, useEffect, useState } from 'react';
import { useI18n } from '../i18n/context';
import { fetchConfig } from './api';
import type { PageConfig } from './protocol';

/**
 * Loads the page's settings (again and again, waiting up to 10 s between tries, while the server cannot give them),
 * then shows `children` with them and the broker's WebSocket URL; the chat page and the voice page both start here.
 */
export function ConfigGate({ children }: { children: (config: PageConfig, wsUrl: string) => ReactNode }) {
  const { t } = useI18n();
  const [config, setConfig] = useState<PageConfig | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let attempt = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = () =>
      fetchConfig()
        .then(setConfig)
        .catch((e: unknown) => {
          setError(t('errorConfig', { message: String((e as Error).message ?? e) }));
          timer = setTimeout(load, Math.min(10_000, 1000 * 2 ** attempt++));
        });
    void load();
    return () => clearTimeout(timer);
  }, [t]);

  if (!config) {
    return <div className="loading">{error ?? '…'}</div>;
  }
  if (!config.mqtt_ws_url) {
    return <div className="loading banner-error">{t('errorNoBroker')}</div>;
  }
  return <>{children(config, config.mqtt_ws_url)}</>;
}
