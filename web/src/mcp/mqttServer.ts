// An McpServer on its own MQTT 5 connection: client id = server id, CONNECT user properties MCP-COMPONENT-TYPE and
// MCP-META, MCP-COMPONENT-TYPE and MCP-MQTT-CLIENT-ID on every PUBLISH, session expiry 0, and an empty retained will
// on the presence topic, so that clients forget the server when the tab goes away. A broker's suggested server name
// (CONNACK MCP-SERVER-NAME) is adopted by connecting again with it, since the will names the presence topic.

import { Connection, type ConnectionState, type Credentials, type UserProperties } from '../mqtt/connection';
import { McpServer, type McpEvent, type McpServerOptions, type McpTransport } from './server';
import * as topics from './topics';

export interface McpConnectionOptions extends McpServerOptions {
  url: string;
  /** For a broker that requires accounts: a token for the server id. */
  credentials?: (clientId: string) => Promise<Credentials>;
}

export type McpStatus = { state: ConnectionState; serverName: string; clients: number };

export class McpMqttServer {
  private conn: Connection | null = null;
  private server: McpServer | null = null;
  private serverName: string;
  private readonly statusListeners = new Set<(status: McpStatus) => void>();
  private readonly eventListeners = new Set<(event: McpEvent) => void>();
  private offs: (() => void)[] = [];
  /** The presence of this connection is out: clients can find the server. Until then a connection shows connecting. */
  private announced = false;

  constructor(private readonly options: McpConnectionOptions) {
    this.serverName = options.serverName;
  }

  get serverId(): string {
    return this.options.serverId;
  }

  status(): McpStatus {
    const connection = this.conn?.state ?? 'offline';
    const state = connection === 'online' && !this.announced ? 'connecting' : connection;
    return { state, serverName: this.serverName, clients: this.server?.clientIds().length ?? 0 };
  }

  onStatus(listener: (status: McpStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  onEvent(listener: (event: McpEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  start(): void {
    this.announced = false;
    const { serverId } = this.options;
    const serverName = this.serverName;
    const credentials = this.options.credentials;
    const conn = new Connection({
      url: this.options.url,
      clientId: serverId,
      will: { topic: topics.serverPresence(serverId, serverName), payload: '', retain: true },
      connectUserProperties: {
        [topics.PROP_COMPONENT_TYPE]: 'mcp-server',
        [topics.PROP_META]: JSON.stringify(this.options.meta ?? {}),
      },
      publishUserProperties: { [topics.PROP_COMPONENT_TYPE]: 'mcp-server', [topics.PROP_MQTT_CLIENT_ID]: serverId },
      ...(credentials ? { credentials: () => credentials(serverId) } : {}),
    });
    const transport: McpTransport = {
      subscribe: (list, handler, { noLocal }) => conn.subscribed(list, handler, { noLocal }),
      publish: (topic, payload, retain) => conn.publishText(topic, payload, { retain }),
    };
    const server = new McpServer(transport, { ...this.options, serverName });
    this.conn = conn;
    this.server = server;
    this.offs = [
      server.onEvent((event) => {
        if (event.type === 'online') this.announced = true;
        this.eventListeners.forEach((l) => l(event));
        this.notify();
      }),
      conn.onState((state) => {
        if (state !== 'online') this.announced = false;
        if (state === 'reconnecting') server.connectionLost();
        this.notify();
      }),
      conn.onConnect((_again, connack) => this.connected(server, connack)),
    ];
    void conn.start();
  }

  private connected(server: McpServer, connack: UserProperties): void {
    const suggested = topics.userProperty(connack, topics.PROP_SERVER_NAME);
    if (suggested && suggested !== this.serverName && topics.isValidServerName(suggested)) {
      // the will and every topic name the server name: connect again under the broker's name
      this.serverName = suggested;
      this.teardown();
      this.start();
      return;
    }
    server.announce().catch(() => undefined);
  }

  /** Graceful stop: the empty retained presence first, then the connection ends. */
  async stop(): Promise<void> {
    const server = this.server;
    const conn = this.conn;
    this.offs.forEach((off) => off());
    this.offs = [];
    this.server = null;
    this.conn = null;
    if (server && conn?.state === 'online') {
      await Promise.race([server.stop().catch(() => undefined), new Promise((r) => setTimeout(r, 2000))]);
    }
    await conn?.end();
    this.notify();
  }

  private teardown(): void {
    this.offs.forEach((off) => off());
    this.offs = [];
    this.conn?.stop();
    this.conn = null;
    this.server = null;
  }

  private notify(): void {
    const status = this.status();
    this.statusListeners.forEach((l) => l(status));
  }
}
