// A local stand-in for a paid LLM vendor, speaking OpenAI's chat-completions wire format: POST /v1/chat/completions
// with stream:true answered by Server-Sent Events of chat.completion.chunk objects and `data: [DONE]`. Each request is
// answered by the first rule whose test matches it; a tool call streams its arguments split across chunks, as real
// vendors do.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ChatMessage {
  role: string;
  content?: unknown;
  tool_call_id?: string;
  tool_calls?: { id: string; function: { name: string; arguments: string } }[];
}

export interface ChatRequest {
  model: string;
  stream?: boolean;
  messages: ChatMessage[];
  tools?: { type: string; function: { name: string } }[];
}

/** `delayMs`: how long the model "thinks" before its first token. */
export type Reply = { text: string[]; delayMs?: number } | { toolCall: { name: string; arguments: object } };

export interface Rule {
  test: (request: ChatRequest) => boolean;
  reply: Reply;
}

export class FakeModel {
  readonly requests: ChatRequest[] = [];
  private readonly server: Server;
  private rules: Rule[] = [];
  private calls = 0;

  private constructor() {
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  static async start(): Promise<FakeModel> {
    const model = new FakeModel();
    await new Promise<void>((ok) => model.server.listen(0, '127.0.0.1', ok));
    return model;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  answer(...rules: Rule[]): void {
    this.rules = rules;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((ok) => this.server.close(() => ok()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'not found', type: 'invalid_request_error' } }));
      return;
    }
    const request = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ChatRequest;
    this.requests.push(request);
    const rule = this.rules.find((r) => r.test(request));
    if (!rule || !request.stream) {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'unexpected request', type: 'invalid_request_error' } }));
      return;
    }
    const id = `chatcmpl-e2e-${++this.calls}`;
    const created = Math.floor(Date.now() / 1000);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const send = (delta: object, finish: string | null = null) =>
      res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: request.model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`);
    const pause = () => new Promise((r) => setTimeout(r, 30));
    if ('toolCall' in rule.reply) {
      const args = JSON.stringify(rule.reply.toolCall.arguments);
      const half = Math.ceil(args.length / 2);
      send({ role: 'assistant', content: null, tool_calls: [{ index: 0, id: `call_${this.calls}`, type: 'function', function: { name: rule.reply.toolCall.name, arguments: '' } }] });
      for (const part of [args.slice(0, half), args.slice(half)]) {
        await pause();
        send({ tool_calls: [{ index: 0, function: { arguments: part } }] });
      }
      send({}, 'tool_calls');
    } else {
      const delay = rule.reply.delayMs ?? 0;
      if (delay > 0) await new Promise((r) => setTimeout(r, delay));
      send({ role: 'assistant', content: '' });
      for (const text of rule.reply.text) {
        await pause();
        send({ content: text });
      }
      send({}, 'stop');
    }
    res.end('data: [DONE]\n\n');
  }
}

/** The text of the last message of a role, when it is a plain string. */
export function lastOf(request: ChatRequest, role: string): ChatMessage | undefined {
  return request.messages.filter((m) => m.role === role).at(-1);
}
