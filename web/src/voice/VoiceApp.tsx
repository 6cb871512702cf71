import { ConfigGate } from '../chat/ConfigGate';
import { VoicePage } from './VoicePage';

/** Loads the page's settings (as the chat page does), then shows the voice page. */
export function VoiceApp() {
  return <ConfigGate>{(config, wsUrl) => <VoicePage config={config} wsUrl={wsUrl} />}</ConfigGate>;
}
