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
