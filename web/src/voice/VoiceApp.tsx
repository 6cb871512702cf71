import { useEffect, useState } from 'react';
import { fetchConfig } from '../chat/api';
import type { PageConfig } from '../chat/protocol';
import { useI18n } from '../i18n/context';
import { VoicePage } from './VoicePage';

/** Loads the page's settings (as the chat page does), then shows the voice page. */
export function VoiceApp() {
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

  if (!config) return <div className="loading">{error ?? '…'}</div>;
  if (!config.mqtt_ws_url) return <div className="loading banner-error">{t('errorNoBroker')}</div>;
  return <VoicePage config={config} wsUrl={config.mqtt_ws_url} />;
}
