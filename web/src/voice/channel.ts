// The call's MQTT connection (the seed keeps signalling and MCP on separate connections): opened when the user
// connects, closed when the call ends. It is the shared Connection, so tokens and reconnects work as on the chat page.

import type { SignallingChannel } from '../call/session';
import { Connection, type Credentials } from '../mqtt/connection';

const CONNECT_TIMEOUT_MS = 15_000;

export function callChannel(url: string, clientId: string, credentials?: () => Promise<Credentials>): SignallingChannel {
  let conn: Connection | null = null;
  const interruptionListeners = new Set<(what: 'lost' | 'back') => void>();
  const open = () => {
    if (!conn) throw new Error('not connected');
    return conn;
  };
  return {
    clientId,
    async connect() {
      conn?.stop();
      const c = new Connection(credentials ? { url, clientId, credentials } : { url, clientId });
      conn = c;
      let wasOnline = false;
      let lost = false;
      c.onState((state) => {
        if (state === 'online') {
          wasOnline = true;
          if (lost) interruptionListeners.forEach((l) => l('back'));
          lost = false;
        } else if (state === 'reconnecting' && wasOnline && !lost) {
          lost = true;
          interruptionListeners.forEach((l) => l('lost'));
        }
      });
      let lastFailure = '';
      const offFailure = c.onFailure((e) => {
        lastFailure = String((e as Error).message ?? e);
      });
      const online = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          off();
          offFailure();
          c.stop();
          const why = lastFailure ? `: ${lastFailure}` : '';
          reject(new Error(`MQTT over WebSocket (${url}) did not connect within ${CONNECT_TIMEOUT_MS / 1000} s${why}`));
        }, CONNECT_TIMEOUT_MS);
        const off = c.onConnect(() => {
          clearTimeout(timer);
          off();
          offFailure();
          resolve();
        });
      });
      void c.start();
      await online;
    },
    subscribe: (topics, handler) => open().subscribed(topics, handler),
    publish: (topic, body) => open().publish(topic, body),
    onInterruption(listener) {
      interruptionListeners.add(listener);
      return () => interruptionListeners.delete(listener);
    },
    close() {
      conn?.stop();
      conn = null;
    },
  };
}
