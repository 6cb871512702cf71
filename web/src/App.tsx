import { ChatPage } from './chat/ChatPage';
import { ConfigGate } from './chat/ConfigGate';

/** Loads the page's settings, then shows the chat. */
export function App() {
  return <ConfigGate>{(config, wsUrl) => <ChatPage config={config} wsUrl={wsUrl} />}</ConfigGate>;
}
