// The call's MQTT connection (the seed keeps signalling and MCP on separate connections): opened when the user
// connects, closed when the call ends. It is the shared Connection, so tokens and reconnects work as on the chat page.
// Its will is `webrtc_terminated` on the proxy topic: a page that vanishes ends its session on the proxy at once,
// also on an external broker, where the proxy learns of no disconnects.

import { DEVICE_GONE, hangUp, proxyTopic } from '../call/protocol';
import type { SignallingChannel } from '../call/session';
import { Connection, type Credentials } from '../mqtt/connection';

const CONNECT_TIMEOUT_MS = 15_000;
/** How long a closing channel waits for its farewell to be acknowledged before it drops the connection anyway. */
export const FAREWELL_TIMEOUT_MS = 2_000;

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
      const will = { topic: proxyTopic(clientId), payload: JSON.stringify(hangUp(DEVICE_GONE)) };
      const c = new Connection(credentials ? { url, clientId, credentials, will } : { url, clientId, will });
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
    close(farewell) {
      const c = conn;
      conn = null;
      if (!c) return;
      if (!farewell) {
        c.stop();
        return;
      }
      // this connection, not a later one: the user may call again before the farewell is out
      let timer: ReturnType<typeof setTimeout> | undefined;
      const stop = () => {
        clearTimeout(timer);
        c.stop();
      };
      timer = setTimeout(stop, FAREWELL_TIMEOUT_MS);
      c.publish(farewell.topic, farewell.body).then(stop, stop);
    },
  };
}
