import { describe, expect, it } from 'vitest';
import { decode, INVALID_PARAMS, INVALID_REQUEST, METHOD_NOT_FOUND, PARSE_ERROR } from '../src/mcp/jsonrpc';
import { LATEST_PROTOCOL_VERSION, McpServer, toolError, toolText, type McpEvent, type McpTransport, type MessageHandler, type Tool } from '../src/mcp/server';
import { isValidId, isValidServerName } from '../src/mcp/topics';

const SERVER_ID = 'voicemcp_abc-s1';
const SERVER_NAME = 'web-ui-hardware-controller/s1';
const CONTROL = `$mcp-server/${SERVER_ID}/${SERVER_NAME}`;
const PRESENCE = `$mcp-server/presence/${SERVER_ID}/${SERVER_NAME}`;
const CLIENT = 'mcp-client-1';
const RPC = `$mcp-rpc/${CLIENT}/${SERVER_ID}/${SERVER_NAME}`;

type Step = { op: 'subscribe'; topics: string[]; noLocal: boolean } | { op: 'publish'; topic: string; payload: string; retain: boolean } | { op: 'unsubscribe'; topics: string[] };

/** Records what the server does on MQTT, in order; SUBACKs are released by the test when it wants. */
class FakeBroker implements McpTransport {
  readonly steps: Step[] = [];
  readonly handlers = new Map<string, MessageHandler>();
  holdSubacks = false;
  refuse = new Set<string>();
  private held: (() => void)[] = [];

  subscribe(topics: readonly string[], handler: MessageHandler, options: { noLocal: boolean }): Promise<() => void> {
    this.steps.push({ op: 'subscribe', topics: [...topics], noLocal: options.noLocal });
    const unsubscribe = () => {
      topics.forEach((t) => this.handlers.delete(t));
      this.steps.push({ op: 'unsubscribe', topics: [...topics] });
    };
    return new Promise((resolve, reject) => {
      const grant = () => {
        if (topics.some((t) => this.refuse.has(t))) {
          reject(new Error('Subscribe error: Not authorized'));
          return;
        }
        topics.forEach((t) => this.handlers.set(t, handler));
        resolve(unsubscribe);
      };
      if (this.holdSubacks) this.held.push(grant);
      else grant();
    });
  }

  publish(topic: string, payload: string, retain: boolean): Promise<void> {
    this.steps.push({ op: 'publish', topic, payload, retain });
    return Promise.resolve();
  }

  releaseSubacks(): void {
    const held = this.held;
    this.held = [];
    held.forEach((g) => g());
  }

  deliver(topic: string, payload: string | object, clientId: string | null = CLIENT): void {
    const handler = this.handlers.get(topic);
    if (!handler) throw new Error(`nobody subscribed to ${topic}`);
    const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
    handler(topic, new TextEncoder().encode(body), clientId ? { 'MCP-MQTT-CLIENT-ID': clientId, 'MCP-COMPONENT-TYPE': 'mcp-client' } : {});
  }

  published(topic: string): unknown[] {
    return this.steps
      .filter((s): s is Extract<Step, { op: 'publish' }> => s.op === 'publish' && s.topic === topic)
      .map((s) => (s.payload === '' ? '' : JSON.parse(s.payload)));
  }
}

const flush = () => new Promise((r) => setTimeout(r, 0));

const echo: Tool = {
  name: 'echo',
  description: 'Says it back',
  inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
  call: (args) => (typeof args.text === 'string' ? toolText(args.text) : toolError('text must be a string')),
};

const broken: Tool = {
  name: 'broken',
  description: 'Always throws',
  inputSchema: { type: 'object' },
  call: () => {
    throw new Error('the device is on fire');
  },
};

async function started(tools: Tool[] = [echo, broken]) {
  const broker = new FakeBroker();
  const server = new McpServer(broker, {
    serverId: SERVER_ID,
    serverName: SERVER_NAME,
    description: 'test server',
    meta: { page: 'test' },
    serverInfo: { name: 'test', version: '1.0.0' },
    tools,
  });
  const events: McpEvent[] = [];
  server.onEvent((e) => events.push(e));
  await server.announce();
  return { broker, server, events };
}

function initialize(broker: FakeBroker, id: number | string = 1, protocolVersion = '2025-06-18') {
  broker.deliver(CONTROL, {
    jsonrpc: '2.0',
    id,
    method: 'initialize',
    params: { protocolVersion, capabilities: {}, clientInfo: { name: 'test-client', version: '1' } },
  });
}

async function session(tools?: Tool[]) {
  const s = await started(tools);
  initialize(s.broker);
  await flush();
  s.broker.deliver(RPC, { jsonrpc: '2.0', method: 'notifications/initialized' });
  s.broker.steps.length = 0;
  return s;
}

function request(broker: FakeBroker, id: number, method: string, params?: object) {
  broker.deliver(RPC, params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params });
}

async function answer(broker: FakeBroker, id: number): Promise<Record<string, unknown>> {
  await flush();
  const found = broker.published(RPC).find((m) => (m as { id?: unknown }).id === id);
  if (!found) throw new Error(`no answer to ${id}`);
  return found as Record<string, unknown>;
}

describe('MCP server presence', () => {
  it('subscribes to its control topic, then announces itself retained', async () => {
    const { broker } = await started();
    expect(broker.steps[0]).toEqual({ op: 'subscribe', topics: [CONTROL], noLocal: false });
    expect(broker.steps[1]).toMatchObject({ op: 'publish', topic: PRESENCE, retain: true });
    expect(broker.published(PRESENCE)[0]).toEqual({
      jsonrpc: '2.0',
      method: 'notifications/server/online',
      params: { server_name: SERVER_NAME, description: 'test server', meta: { page: 'test' } },
    });
  });

  it('clears its presence first when it stops gracefully', async () => {
    const { broker, server } = await session();
    await server.stop();
    expect(broker.steps[0]).toEqual({ op: 'publish', topic: PRESENCE, payload: '', retain: true });
    expect(broker.steps.slice(1).every((s) => s.op === 'unsubscribe')).toBe(true);
    expect(server.clientIds()).toEqual([]);
  });

  it('announces itself again after a reconnect, without the sessions of before', async () => {
    const { broker, server } = await session();
    server.connectionLost();
    expect(server.clientIds()).toEqual([]);
    await server.announce();
    expect(broker.published(PRESENCE).length).toBe(1);
  });
});

describe('MCP handshake', () => {
  it('subscribes to the client capability, presence and RPC (No Local) topics before it answers initialize', async () => {
    const { broker } = await started();
    broker.holdSubacks = true;
    broker.steps.length = 0;
    initialize(broker);
    await flush();
    expect(broker.steps.filter((s) => s.op === 'publish')).toEqual([]);
    broker.releaseSubacks();
    await flush();
    broker.releaseSubacks();
    await flush();
    const order = broker.steps.map((s) => (s.op === 'publish' ? `publish ${s.topic}` : `${s.op} ${s.topics.join(',')}${s.op === 'subscribe' && s.noLocal ? ' nl' : ''}`));
    expect(order).toEqual([
      `subscribe $mcp-client/capability/${CLIENT},$mcp-client/presence/${CLIENT}`,
      `subscribe ${RPC} nl`,
      `publish ${RPC}`,
    ]);
  });

  it('answers initialize with tools capability, server info and the client protocol version', async () => {
    const { broker, server } = await started();
    initialize(broker, 7, '2025-03-26');
    const reply = await answer(broker, 7);
    expect(reply).toEqual({
      jsonrpc: '2.0',
      id: 7,
      result: {
        protocolVersion: '2025-03-26',
        capabilities: { tools: { listChanged: true } },
        serverInfo: { name: 'test', version: '1.0.0' },
      },
    });
    expect(server.clientIds()).toEqual([CLIENT]);
  });

  it('answers an unknown protocol version with its latest', async () => {
    const { broker } = await started();
    initialize(broker, 'a', '1999-01-01');
    expect(((await answer(broker, 'a' as unknown as number)).result as { protocolVersion: string }).protocolVersion).toBe(LATEST_PROTOCOL_VERSION);
  });

  it('reports the client ready on notifications/initialized', async () => {
    const { events } = await session();
    expect(events.map((e) => e.type)).toEqual(['online', 'client_initializing', 'client_ready']);
  });

  it('refuses other requests on the control topic with -32600', async () => {
    const { broker } = await started();
    broker.deliver(CONTROL, { jsonrpc: '2.0', id: 3, method: 'tools/list' });
    const reply = await answer(broker, 3);
    expect((reply.error as { code: number }).code).toBe(INVALID_REQUEST);
  });

  it('answers malformed input on the control topic on the sender RPC topic', async () => {
    const { broker } = await started();
    broker.deliver(CONTROL, '{not json');
    broker.deliver(CONTROL, [{ jsonrpc: '2.0', id: 1, method: 'initialize' }]);
    await flush();
    const errors = broker.published(RPC).map((m) => (m as { id: unknown; error: { code: number } }));
    expect(errors.map((e) => [e.id, e.error.code])).toEqual([
      [null, PARSE_ERROR],
      [null, INVALID_REQUEST],
    ]);
  });

  it('ignores control messages without a sender client id (nowhere to answer)', async () => {
    const { broker, events } = await started();
    broker.steps.length = 0;
    broker.deliver(CONTROL, { jsonrpc: '2.0', id: 1, method: 'initialize' }, null);
    await flush();
    expect(broker.steps).toEqual([]);
    expect(events.at(-1)?.type).toBe('rejected');
  });

  it('answers -32603 and forgets the client when it cannot subscribe to its topics', async () => {
    const { broker, server } = await started();
    broker.refuse.add(RPC);
    initialize(broker, 9);
    await flush();
    await flush();
    const reply = broker.published(RPC)[0] as { id: number; error: { code: number } };
    expect(reply.id).toBe(9);
    expect(reply.error.code).toBe(-32603);
    expect(server.clientIds()).toEqual([]);
  });

  it('replaces the session of a client that initializes again', async () => {
    const { broker, server } = await session();
    initialize(broker, 2);
    await flush();
    expect(server.clientIds()).toEqual([CLIENT]);
    expect((await answer(broker, 2)).result).toBeDefined();
  });
});

describe('MCP requests', () => {
  it('answers ping with an empty result', async () => {
    const { broker } = await session();
    request(broker, 5, 'ping');
    expect(await answer(broker, 5)).toEqual({ jsonrpc: '2.0', id: 5, result: {} });
  });

  it('lists the tools with their input schemas', async () => {
    const { broker } = await session();
    request(broker, 6, 'tools/list', {});
    const { tools } = (await answer(broker, 6)).result as { tools: { name: string; inputSchema: unknown }[] };
    expect(tools.map((t) => t.name)).toEqual(['echo', 'broken']);
    expect(tools[0]!.inputSchema).toEqual(echo.inputSchema);
  });

  it('calls a tool and returns its result', async () => {
    const { broker, events } = await session();
    request(broker, 8, 'tools/call', { name: 'echo', arguments: { text: 'hello' } });
    expect((await answer(broker, 8)).result).toEqual({ content: [{ type: 'text', text: 'hello' }] });
    expect(events.at(-1)).toEqual({ type: 'tool_called', clientId: CLIENT, tool: 'echo', isError: false, text: 'hello' });
  });

  it('turns bad arguments and failing tools into isError results', async () => {
    const { broker } = await session();
    request(broker, 10, 'tools/call', { name: 'echo', arguments: { text: 3 } });
    request(broker, 11, 'tools/call', { name: 'echo', arguments: [1] });
    request(broker, 12, 'tools/call', { name: 'broken' });
    expect((await answer(broker, 10)).result).toEqual({ content: [{ type: 'text', text: 'text must be a string' }], isError: true });
    expect((await answer(broker, 11)).result).toMatchObject({ isError: true });
    expect((await answer(broker, 12)).result).toEqual({ content: [{ type: 'text', text: 'broken failed: the device is on fire' }], isError: true });
  });

  it('answers an unknown tool with -32602 and an unknown method with -32601', async () => {
    const { broker } = await session();
    request(broker, 13, 'tools/call', { name: 'fly' });
    request(broker, 14, 'tools/call', {});
    request(broker, 15, 'resources/list');
    expect((await answer(broker, 13)).error).toMatchObject({ code: INVALID_PARAMS });
    expect((await answer(broker, 14)).error).toMatchObject({ code: INVALID_PARAMS });
    expect((await answer(broker, 15)).error).toEqual({ code: METHOD_NOT_FOUND, message: 'Method not found: resources/list' });
  });

  it('answers malformed messages on the RPC topic, but never a broken response', async () => {
    const { broker } = await session();
    broker.deliver(RPC, 'nope');
    broker.deliver(RPC, { jsonrpc: '1.0', id: 20, method: 'ping' });
    broker.deliver(RPC, { jsonrpc: '2.0', id: 21, method: 'ping', params: [1, 2] });
    broker.deliver(RPC, { jsonrpc: '2.0', result: {} });
    await flush();
    const replies = broker.published(RPC) as { id: unknown; error: { code: number } }[];
    expect(replies.map((r) => [r.id, r.error.code])).toEqual([
      [null, PARSE_ERROR],
      [20, INVALID_REQUEST],
      [21, INVALID_REQUEST],
    ]);
  });

  it('ends the session on notifications/disconnected, on the presence or the RPC topic', async () => {
    const first = await session();
    first.broker.deliver(`$mcp-client/presence/${CLIENT}`, { jsonrpc: '2.0', method: 'notifications/disconnected' });
    expect(first.server.clientIds()).toEqual([]);
    expect(first.broker.steps.filter((s) => s.op === 'unsubscribe').flatMap((s) => (s as { topics: string[] }).topics).sort()).toEqual(
      [`$mcp-client/capability/${CLIENT}`, `$mcp-client/presence/${CLIENT}`, RPC].sort(),
    );
    const second = await session();
    second.broker.deliver(RPC, { jsonrpc: '2.0', method: 'notifications/disconnected' });
    expect(second.server.clientIds()).toEqual([]);
  });

  it('tells clients on the capability topic when the tools change', async () => {
    const { broker, server } = await session();
    await server.setTools([echo]);
    expect(broker.published(`$mcp-server/capability/${SERVER_ID}/${SERVER_NAME}`)).toEqual([
      { jsonrpc: '2.0', method: 'notifications/tools/list_changed' },
    ]);
  });
});

describe('JSON-RPC decoding', () => {
  it('tells requests, notifications and responses apart', () => {
    expect(decode('{"jsonrpc":"2.0","id":1,"method":"ping"}')).toMatchObject({ kind: 'request', id: 1, method: 'ping' });
    expect(decode('{"jsonrpc":"2.0","method":"notifications/initialized"}')).toMatchObject({ kind: 'notification' });
    expect(decode('{"jsonrpc":"2.0","id":"x","result":{}}')).toMatchObject({ kind: 'response', id: 'x' });
    expect(decode('{"jsonrpc":"2.0","id":2,"error":{"code":-1,"message":"m"}}')).toMatchObject({ kind: 'response', error: { code: -1 } });
  });

  it('refuses what is not a single JSON-RPC 2.0 message', () => {
    expect(decode('[')).toMatchObject({ kind: 'invalid', code: PARSE_ERROR, id: null });
    expect(decode('[]')).toMatchObject({ kind: 'invalid', code: INVALID_REQUEST });
    expect(decode('"text"')).toMatchObject({ kind: 'invalid', code: INVALID_REQUEST });
    expect(decode('{"jsonrpc":"2.0","id":null,"method":"ping"}')).toMatchObject({ kind: 'invalid', code: INVALID_REQUEST });
    expect(decode('{"jsonrpc":"2.0","id":4,"method":7}')).toMatchObject({ kind: 'invalid', id: 4 });
    expect(decode('{"jsonrpc":"2.0","id":{},"result":1}')).toMatchObject({ kind: 'invalid', answer: false });
    expect(decode(new Uint8Array([0xff, 0xfe]))).toMatchObject({ kind: 'invalid', code: PARSE_ERROR });
  });

  it('refuses a payload over the size limit before parsing it', () => {
    expect(decode(`{"jsonrpc":"2.0","method":"x","params":{"p":"${'a'.repeat(100)}"}}`, 64)).toMatchObject({
      kind: 'invalid',
      code: INVALID_REQUEST,
    });
  });

  it('checks ids and server names like the Java side', () => {
    expect(isValidId('voicemcp_abc-s1')).toBe(true);
    expect(isValidId('a/b')).toBe(false);
    expect(isValidId('a+b')).toBe(false);
    expect(isValidId('')).toBe(false);
    expect(isValidServerName('web-ui-hardware-controller/s1')).toBe(true);
    expect(isValidServerName('a//b')).toBe(false);
    expect(isValidServerName('a/#')).toBe(false);
  });
});
