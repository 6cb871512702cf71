// The server side of MCP over MQTT (PROTOCOL.md §5, EMQX's MCP over MQTT 2025 revision), small enough to own: it
// announces itself with a retained presence, accepts `initialize` on its control topic, subscribes to the client's
// topics BEFORE it answers, and then serves ping, tools/list and tools/call on the per-client RPC topic.

import * as rpc from './jsonrpc';
import type { Id, Request } from './jsonrpc';
import * as topics from './topics';

export type UserProperties = Record<string, string | string[]>;
export type MessageHandler = (topic: string, payload: Uint8Array, userProperties: UserProperties) => void;

/** What the server needs from MQTT; the page gives it a {@link Connection}, the tests a recording fake. */
export interface McpTransport {
  /** Resolves once the broker granted the subscriptions; the returned function unsubscribes. */
  subscribe(topics: readonly string[], handler: MessageHandler, options: { noLocal: boolean }): Promise<() => void>;
  /** QoS 1; resolves on PUBACK. */
  publish(topic: string, payload: string, retain: boolean): Promise<void>;
}

export interface TextContent {
  type: 'text';
  text: string;
}

export interface ToolResult {
  content: TextContent[];
  isError?: boolean;
  structuredContent?: Record<string, unknown>;
}

export interface Tool {
  name: string;
  title?: string;
  description: string;
  inputSchema: Record<string, unknown>;
  call(args: Record<string, unknown>): Promise<ToolResult> | ToolResult;
}

export interface McpServerOptions {
  serverId: string;
  serverName: string;
  description: string;
  meta?: Record<string, unknown>;
  serverInfo: { name: string; version: string; title?: string };
  instructions?: string;
  tools: readonly Tool[];
  maxPayloadBytes?: number;
}

export type McpEvent =
  | { type: 'online' }
  | { type: 'offline' }
  | { type: 'client_initializing'; clientId: string }
  | { type: 'client_ready'; clientId: string }
  | { type: 'client_gone'; clientId: string; reason: string }
  | { type: 'tool_called'; clientId: string; tool: string; isError: boolean; text: string }
  | { type: 'rejected'; clientId: string | null; reason: string };

/** Versions of MCP this server speaks (the Java SDK 2.1.0 knows the same four). */
export const PROTOCOL_VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'] as const;
export const LATEST_PROTOCOL_VERSION = PROTOCOL_VERSIONS[0];

interface Session {
  clientId: string;
  rpcTopic: string;
  initialized: boolean;
  closed: boolean;
  unsubscribe: (() => void) | null;
}

export class McpServer {
  private readonly sessions = new Map<string, Session>();
  private readonly listeners = new Set<(event: McpEvent) => void>();
  private controlUnsubscribe: (() => void) | null = null;
  private tools: readonly Tool[];
  private running = false;

  constructor(
    private readonly transport: McpTransport,
    private readonly options: McpServerOptions,
  ) {
    if (!topics.isValidId(options.serverId)) throw new Error(`invalid server id: ${options.serverId}`);
    if (!topics.isValidServerName(options.serverName)) throw new Error(`invalid server name: ${options.serverName}`);
    this.tools = options.tools;
  }

  get serverId(): string {
    return this.options.serverId;
  }

  get serverName(): string {
    return this.options.serverName;
  }

  get presenceTopic(): string {
    return topics.serverPresence(this.serverId, this.serverName);
  }

  get controlTopic(): string {
    return topics.serverControl(this.serverId, this.serverName);
  }

  /** The mcp-client-ids with a session. */
  clientIds(): string[] {
    return [...this.sessions.keys()];
  }

  onEvent(listener: (event: McpEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Subscribes to the control topic, then publishes the retained online presence. Again after every reconnect. */
  async announce(): Promise<void> {
    this.running = true;
    if (!this.controlUnsubscribe) {
      this.controlUnsubscribe = await this.transport.subscribe(
        [this.controlTopic],
        (_t, payload, props) => this.onControl(payload, props),
        { noLocal: false },
      );
    }
    await this.transport.publish(this.presenceTopic, this.onlinePresence(), true);
    this.emit({ type: 'online' });
  }

  /** The connection to the broker is gone: so are the sessions (the broker tells clients through the will). */
  connectionLost(): void {
    for (const session of [...this.sessions.values()]) this.drop(session, 'connection to the broker lost');
    this.emit({ type: 'offline' });
  }

  /** Graceful stop: the empty retained presence first (clients forget this server), then the sessions end. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    try {
      await this.transport.publish(this.presenceTopic, '', true);
    } finally {
      for (const session of [...this.sessions.values()]) this.drop(session, 'server stopped');
      this.controlUnsubscribe?.();
      this.controlUnsubscribe = null;
      this.emit({ type: 'offline' });
    }
  }

  /** Replaces the tools and tells clients on the capability topic. */
  async setTools(tools: readonly Tool[]): Promise<void> {
    this.tools = tools;
    if (this.running) {
      await this.transport.publish(
        topics.serverCapability(this.serverId, this.serverName),
        rpc.notification('notifications/tools/list_changed'),
        false,
      );
    }
  }

  private onlinePresence(): string {
    return rpc.notification(topics.METHOD_SERVER_ONLINE, {
      server_name: this.serverName,
      description: this.options.description,
      meta: this.options.meta ?? {},
    });
  }

  private emit(event: McpEvent): void {
    this.listeners.forEach((l) => l(event));
  }

  private reply(topic: string, payload: string): void {
    this.transport.publish(topic, payload, false).catch(() => undefined);
  }

  // ------------------------------------------------------------------ control topic

  private onControl(payload: Uint8Array, props: UserProperties): void {
    if (!this.running) return;
    const clientId = topics.userProperty(props, topics.PROP_MQTT_CLIENT_ID);
    if (!topics.isValidId(clientId)) {
      // nowhere to answer: the RPC topic is named after the sender
      this.emit({ type: 'rejected', clientId: null, reason: `message on the control topic without a valid ${topics.PROP_MQTT_CLIENT_ID}` });
      return;
    }
    const replyTopic = topics.rpc(clientId, this.serverId, this.serverName);
    const message = rpc.decode(payload, this.options.maxPayloadBytes);
    if (message.kind === 'invalid') {
      this.emit({ type: 'rejected', clientId, reason: message.reason });
      if (message.answer) this.reply(replyTopic, rpc.error(message.id, message.code, message.reason));
      return;
    }
    if (message.kind !== 'request') return;
    if (message.method !== 'initialize') {
      this.reply(
        replyTopic,
        rpc.error(message.id, rpc.INVALID_REQUEST, `Only 'initialize' may be sent on the control topic; send '${message.method}' on ${replyTopic} after initializing`),
      );
      return;
    }
    void this.startSession(clientId, message);
  }

  private async startSession(clientId: string, initialize: Request): Promise<void> {
    const previous = this.sessions.get(clientId);
    if (previous) this.drop(previous, 'initialized again');
    const session: Session = {
      clientId,
      rpcTopic: topics.rpc(clientId, this.serverId, this.serverName),
      initialized: false,
      closed: false,
      unsubscribe: null,
    };
    this.sessions.set(clientId, session);
    this.emit({ type: 'client_initializing', clientId });
    const capability = topics.clientCapability(clientId);
    const presence = topics.clientPresence(clientId);
    try {
      // the client's topics are subscribed BEFORE initialize is answered, so that nothing it sends next is lost
      const offPresence = await this.transport.subscribe(
        [capability, presence],
        (topic, payload) => this.onClientTopic(session, topic, payload),
        { noLocal: false },
      );
      const offRpc = await this.transport.subscribe([session.rpcTopic], (_t, payload) => this.onRpc(session, payload), {
        noLocal: true,
      }).catch((e: unknown) => {
        offPresence();
        throw e;
      });
      session.unsubscribe = () => {
        offPresence();
        offRpc();
      };
    } catch (e) {
      this.reply(session.rpcTopic, rpc.error(initialize.id, rpc.INTERNAL_ERROR, 'MCP server could not subscribe to the client topics'));
      this.drop(session, `subscription failed: ${String((e as Error).message ?? e)}`);
      return;
    }
    if (session.closed) {
      session.unsubscribe?.();
      return;
    }
    this.reply(session.rpcTopic, rpc.result(initialize.id, this.initializeResult(initialize.params)));
  }

  private initializeResult(params: Record<string, unknown> | undefined): Record<string, unknown> {
    const asked = params?.protocolVersion;
    const version = (PROTOCOL_VERSIONS as readonly unknown[]).includes(asked) ? (asked as string) : LATEST_PROTOCOL_VERSION;
    const result: Record<string, unknown> = {
      protocolVersion: version,
      capabilities: { tools: { listChanged: true } },
      serverInfo: this.options.serverInfo,
    };
    if (this.options.instructions) result.instructions = this.options.instructions;
    return result;
  }

  // ------------------------------------------------------------------ per-client topics

  private onClientTopic(session: Session, topic: string, payload: Uint8Array): void {
    if (topic !== topics.clientPresence(session.clientId) || payload.length === 0) return;
    const message = rpc.decode(payload, this.options.maxPayloadBytes);
    if (message.kind === 'notification' && message.method === topics.METHOD_DISCONNECTED) this.drop(session, 'client disconnected');
  }

  private onRpc(session: Session, payload: Uint8Array): void {
    if (session.closed) return;
    const message = rpc.decode(payload, this.options.maxPayloadBytes);
    switch (message.kind) {
      case 'invalid':
        this.emit({ type: 'rejected', clientId: session.clientId, reason: message.reason });
        if (message.answer) this.reply(session.rpcTopic, rpc.error(message.id, message.code, message.reason));
        return;
      case 'notification':
        if (message.method === topics.METHOD_DISCONNECTED) {
          this.drop(session, 'client ended the session');
        } else if (message.method === 'notifications/initialized' && !session.initialized) {
          session.initialized = true;
          this.emit({ type: 'client_ready', clientId: session.clientId });
        }
        return; // other notifications (cancelled, progress, roots) need nothing from this server
      case 'response':
        return; // this server sends no requests
      case 'request':
        void this.answer(session, message);
    }
  }

  private async answer(session: Session, request: Request): Promise<void> {
    let payload: string;
    try {
      payload = await this.dispatch(session, request);
    } catch (e) {
      payload = rpc.error(request.id, rpc.INTERNAL_ERROR, String((e as Error).message ?? e));
    }
    if (!session.closed) this.reply(session.rpcTopic, payload);
  }

  private async dispatch(session: Session, request: Request): Promise<string> {
    switch (request.method) {
      case 'ping':
        return rpc.result(request.id, {});
      case 'initialize':
        return rpc.error(request.id, rpc.INVALID_REQUEST, 'already initialized; send initialize on the control topic to start a new session');
      case 'tools/list':
        return rpc.result(request.id, {
          tools: this.tools.map((t) => ({
            name: t.name,
            ...(t.title ? { title: t.title } : {}),
            description: t.description,
            inputSchema: t.inputSchema,
          })),
        });
      case 'tools/call':
        return this.callTool(session, request.id, request.params);
      default:
        return rpc.error(request.id, rpc.METHOD_NOT_FOUND, `Method not found: ${request.method}`);
    }
  }

  private async callTool(session: Session, id: Id, params: Record<string, unknown> | undefined): Promise<string> {
    const name = params?.name;
    if (typeof name !== 'string') return rpc.error(id, rpc.INVALID_PARAMS, 'tools/call needs params.name (a string)');
    const tool = this.tools.find((t) => t.name === name);
    if (!tool) return rpc.error(id, rpc.INVALID_PARAMS, `Unknown tool: ${name}; the tools are ${this.tools.map((t) => t.name).join(', ')}`);
    const args = params?.arguments ?? {};
    let outcome: ToolResult;
    if (typeof args !== 'object' || args === null || Array.isArray(args)) {
      outcome = toolError(`arguments of ${name} must be a JSON object`);
    } else {
      try {
        outcome = await tool.call(args as Record<string, unknown>);
      } catch (e) {
        outcome = toolError(`${name} failed: ${String((e as Error).message ?? e)}`);
      }
    }
    this.emit({
      type: 'tool_called',
      clientId: session.clientId,
      tool: name,
      isError: outcome.isError === true,
      text: outcome.content.map((c) => c.text).join(' '),
    });
    return rpc.result(id, outcome);
  }

  private drop(session: Session, reason: string): void {
    if (session.closed) return;
    session.closed = true;
    if (this.sessions.get(session.clientId) === session) this.sessions.delete(session.clientId);
    session.unsubscribe?.();
    this.emit({ type: 'client_gone', clientId: session.clientId, reason });
  }
}

export function toolText(text: string, structuredContent?: Record<string, unknown>): ToolResult {
  return structuredContent ? { content: [{ type: 'text', text }], structuredContent } : { content: [{ type: 'text', text }] };
}

export function toolError(text: string): ToolResult {
  return { content: [{ type: 'text', text }], isError: true };
}
