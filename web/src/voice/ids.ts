// The voice page's identifiers. The call's MQTT client id and the MCP server's share one random suffix, and the
// MCP server is named `web-ui-hardware-controller/{suffix}`: the backend, which sees the call's client id, finds
// the page's tools by that suffix (PROTOCOL.md §3, §5).

import { randomId } from '../chat/ids';

export const SERVER_NAME_PREFIX = 'web-ui-hardware-controller';

export interface VoiceIds {
  suffix: string;
  /** The call's MQTT client id `{id}`: `$webrtc/{id}`, `$message/{id}`. */
  callClientId: string;
  /** The MCP server's MQTT client id, which is its server id. */
  mcpServerId: string;
  mcpServerName: string;
}

export function voiceIds(identity: string, suffix: string = randomId(8)): VoiceIds {
  return {
    suffix,
    callClientId: `voice_${identity}-${suffix}`,
    mcpServerId: `voicemcp_${identity}-${suffix}`,
    mcpServerName: `${SERVER_NAME_PREFIX}/${suffix}`,
  };
}

/** The suffix of a client id `…-{suffix}`, the way the backend reads it; null when there is none. */
export function suffixOf(clientId: string): string | null {
  const dash = clientId.lastIndexOf('-');
  return dash >= 0 && dash < clientId.length - 1 ? clientId.slice(dash + 1) : null;
}
