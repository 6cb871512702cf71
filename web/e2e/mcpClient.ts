// The client side of MCP over MQTT (PROTOCOL.md §5) for the tests, written against the wire like any other client
// would be: discover servers by presence, initialize on the control topic, then JSON-RPC on the RPC topic (No Local).

import mqtt, { type MqttClient } from 'mqtt';

export interface ServerPresence {
  serverId: string;
  serverName: string;
  description: string;
}

export interface RpcError {
  code: number;
  message: string;
}

const PRESENCE_PREFIX = '$mcp-server/presence/';

export class McpTestClient {
  readonly clientId: string;
  /** Online servers by presence topic; an empty presence removes one. */
  readonly servers = new Map<string, ServerPresence>();
  /** Every non-empty message this client saw on its RPC topic (No Local: never its own). */
  readonly rpcSeen: unknown[] = [];
  private client!: MqttClient;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (m: Record<string, unknown>) => void; reject: (e: Error) => void }>();
  private rpcTopic = '';
  private server: ServerPresence | null = null;

  private constructor(
    private readonly url: string,
    clientId: string,
  ) {
    this.clientId = clientId;
  }

  static async connect(url: string, serverNameFilter: string, login: { username: string; password: string } | null = null): Promise<McpTestClient> {
    // an account may use only the client ids it owns (its name, or its name followed by - or _)
    const c = new McpTestClient(url, `${login ? `${login.username}-` : ''}mcp-test-${Math.random().toString(36).slice(2, 10)}`);
    c.client = await mqtt.connectAsync(url, {
      ...(login ?? {}),
      protocolVersion: 5,
      clientId: c.clientId,
      clean: true,
      reconnectPeriod: 0,
      properties: { sessionExpiryInterval: 0, userProperties: { 'MCP-COMPONENT-TYPE': 'mcp-client', 'MCP-META': '{}' } },
      will: {
        topic: `$mcp-client/presence/${c.clientId}`,
        payload: Buffer.from(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/disconnected' })),
        qos: 1,
        retain: false,
        properties: { userProperties: c.props() },
      },
    });
    c.client.on('message', (topic, payload) => c.onMessage(topic, payload.toString('utf8')));
    const granted = await c.client.subscribeAsync(`${PRESENCE_PREFIX}+/${serverNameFilter}`, { qos: 1 });
    if (granted.some((g) => g.qos > 2)) throw new Error(`the broker refused ${c.clientId} the presence subscription: ${JSON.stringify(granted)}`);
    return c;
  }

  private props(): Record<string, string> {
    return { 'MCP-COMPONENT-TYPE': 'mcp-client', 'MCP-MQTT-CLIENT-ID': this.clientId };
  }

  private readonly presenceSeen: string[] = [];

  private onMessage(topic: string, text: string): void {
    if (topic.startsWith(PRESENCE_PREFIX)) {
      this.presenceSeen.push(`${topic} (${text.length} chars)`);
      const rest = topic.slice(PRESENCE_PREFIX.length);
      const slash = rest.indexOf('/');
      if (text === '') {
        this.servers.delete(topic);
        return;
      }
      const params = (JSON.parse(text) as { params?: { server_name?: string; description?: string } }).params ?? {};
      this.servers.set(topic, { serverId: rest.slice(0, slash), serverName: rest.slice(slash + 1), description: params.description ?? '' });
      return;
    }
    if (topic !== this.rpcTopic || text === '') return;
    const message = JSON.parse(text) as Record<string, unknown>;
    this.rpcSeen.push(message);
    const id = message.id;
    if (typeof id === 'number' && this.pending.has(id)) {
      this.pending.get(id)!.resolve(message);
      this.pending.delete(id);
    }
  }

  async waitForServer(predicate: (s: ServerPresence) => boolean = () => true, timeoutMs = 15_000): Promise<ServerPresence> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = [...this.servers.values()].find(predicate);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no MCP server online within ${timeoutMs} ms; presence messages: ${JSON.stringify(this.presenceSeen)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** The handshake: subscribe capability and RPC (No Local), initialize on the control topic, then initialized. */
  async initialize(server: ServerPresence): Promise<Record<string, unknown>> {
    this.server = server;
    this.rpcTopic = `$mcp-rpc/${this.clientId}/${server.serverId}/${server.serverName}`;
    await this.client.subscribeAsync(
      {
        [`$mcp-server/capability/${server.serverId}/${server.serverName}`]: { qos: 1 },
        [this.rpcTopic]: { qos: 1, nl: true },
      },
    );
    const answer = this.send(`$mcp-server/${server.serverId}/${server.serverName}`, 'initialize', {
      protocolVersion: '2025-06-18',
      capabilities: {},
      clientInfo: { name: 'voice-e2e', version: '1.0.0' },
    });
    const reply = await answer;
    await this.publish(this.rpcTopic, { jsonrpc: '2.0', method: 'notifications/initialized' });
    return reply;
  }

  /** A request on the RPC topic; resolves with the whole response (result or error). */
  request(method: string, params?: Record<string, unknown>): Promise<Record<string, unknown>> {
    return this.send(this.rpcTopic, method, params);
  }

  async call(name: string, args: Record<string, unknown>): Promise<{ content: { type: string; text: string }[]; isError?: boolean; structuredContent?: Record<string, unknown> }> {
    const reply = await this.request('tools/call', { name, arguments: args });
    if (reply.error) throw new Error(`tools/call ${name} failed: ${JSON.stringify(reply.error)}`);
    return reply.result as never;
  }

  private send(topic: string, method: string, params?: Record<string, unknown>, timeoutMs = 20_000): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`no answer to ${method} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject,
      });
      this.publish(topic, params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params }).catch(reject);
    });
  }

  private async publish(topic: string, body: object): Promise<void> {
    await this.client.publishAsync(topic, JSON.stringify(body), { qos: 1, properties: { userProperties: this.props() } });
  }

  async close(): Promise<void> {
    if (this.server) {
      await this.publish(`$mcp-client/presence/${this.clientId}`, { jsonrpc: '2.0', method: 'notifications/disconnected' }).catch(() => undefined);
    }
    await this.client.endAsync();
  }

  toString(): string {
    return `McpTestClient(${this.clientId} on ${this.url})`;
  }
}
