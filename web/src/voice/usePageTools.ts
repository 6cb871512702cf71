import { useEffect, useState } from 'react';
import { fetchToken } from '../chat/api';
import { serverCredentials } from './credentials';
import { McpMqttServer, type McpStatus } from '../mcp/mqttServer';
import type { McpEvent } from '../mcp/server';
import { hardwareTools, type Hardware } from './tools';

export interface ToolUse {
  id: number;
  time: number;
  tool: string;
  text: string;
  isError: boolean;
}

const KEPT = 6;

/**
 * Runs the page's MCP server (`web-ui-hardware-controller/{suffix}`) for as long as the page is open, on its own
 * MQTT connection, and reports its state and the last tool calls.
 */
export function usePageTools(options: {
  url: string;
  serverId: string;
  serverName: string;
  /** The call's client id, claimed before the server is announced (see serverCredentials). */
  callClientId: string;
  authRequired: boolean;
  hardware: Hardware;
}): { status: McpStatus; uses: readonly ToolUse[] } {
  const { url, serverId, serverName, callClientId, authRequired, hardware } = options;
  const [status, setStatus] = useState<McpStatus>({ state: 'connecting', serverName, clients: 0 });
  const [uses, setUses] = useState<readonly ToolUse[]>([]);

  useEffect(() => {
    const server = new McpMqttServer({
      url,
      serverId,
      serverName,
      description: 'The AI Chatroom voice page: camera, avatar emotion, photo and volume of the person talking to the assistant',
      meta: { page: 'voice' },
      serverInfo: { name: 'ai-chatroom-voice-page', version: '0.1.0' },
      instructions: 'Tools of the voice page the user has open: switch the camera, take a photo, show an emotion on the avatar, set the volume.',
      tools: hardwareTools(hardware),
      ...(authRequired ? { credentials: serverCredentials(fetchToken, callClientId) } : {}),
    });
    const offStatus = server.onStatus(setStatus);
    let seq = 0;
    const offEvent = server.onEvent((event: McpEvent) => {
      if (event.type === 'tool_called') {
        const use = { id: ++seq, time: Date.now(), tool: event.tool, text: event.text, isError: event.isError };
        setUses((list) => [...list, use].slice(-KEPT));
      }
    });
    server.start();
    // leaving the page: clear the presence at once (the will would do it too, a little later)
    const leave = () => void server.stop();
    window.addEventListener('pagehide', leave);
    return () => {
      window.removeEventListener('pagehide', leave);
      offStatus();
      offEvent();
      void server.stop();
    };
  }, [url, serverId, serverName, callClientId, authRequired, hardware]);

  return { status, uses };
}
