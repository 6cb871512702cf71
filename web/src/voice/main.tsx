import { createRoot } from 'react-dom/client';
import { browserLanguage, translator } from '../i18n';
import { I18nContext } from '../i18n/context';
import { VoiceApp } from './VoiceApp';
import '../styles.css';
import './voice.css';

const language = browserLanguage();
document.documentElement.lang = language === 'zh' ? 'zh-CN' : 'en';

createRoot(document.getElementById('root')!).render(
  <I18nContext.Provider value={{ language, t: translator(language) }}>
    <VoiceApp />
  </I18nContext.Provider>,
);
