// MQTT credentials of the voice page's two connections where the broker requires accounts (tokens from the HTTP API).

import type { MqttToken } from '../chat/protocol';
import { timeOf } from '../chat/timeline';

export type TokenFetcher = (clientId: string) => Promise<MqttToken>;

export interface Credentials {
  username: string;
  password: string;
  expiresAt: number;
}

export function toCredentials(token: MqttToken): Credentials {
  return { username: token.username, password: token.password, expiresAt: timeOf(token.expires_at, 0) };
}

/**
 * The call's credentials where the broker takes tokens but does not require them (the embedded broker's default
 * loopback mode): a token marks the product's page, whose call may use the slots kept from anonymous devices
 * (`VOICE_RESERVED_SESSIONS`). Without one (the HTTP API refuses or is down) the call logs in anonymously as before.
 */
export function optionalCredentials(fetchToken: TokenFetcher, clientId: string): () => Promise<Credentials> {
  return async () => {
    try {
      return toCredentials(await fetchToken(clientId));
    } catch {
      return { username: '', password: '', expiresAt: Date.now() + 60_000 };
    }
  };
}

/**
 * The credentials of the page's MCP server. Before its first token it gets one for the call's client id too: a
 * client id belongs to the browser that first got a token for it, and the server's presence shows the suffix the
 * call id is made of; claimed first, the call id cannot be taken by someone who read the presence before the user
 * pressed Connect.
 */
export function serverCredentials(fetchToken: TokenFetcher, callClientId: string): (clientId: string) => Promise<Credentials> {
  let callClaimed = false;
  return async (clientId: string) => {
    if (!callClaimed) {
      await fetchToken(callClientId);
      callClaimed = true;
    }
    return toCredentials(await fetchToken(clientId));
  };
}
