import { EventEmitter } from 'node:events';
import { beforeEach, describe, expect, it, vi } from 'vitest';

/** A stand-in for mqtt.js's client: records what the connection asks of it. */
class FakeClient extends EventEmitter {
  connected = false;
  published: string[] = [];
  subscribed: string[] = [];
  ended: boolean | undefined;
  finishEnd: () => void = () => undefined;
  constructor(readonly options: { will?: { topic: string; payload: string } }) {
    super();
  }
  subscribe(topic: string) {
    this.subscribed.push(topic);
  }
  subscribeAsync(topic: string) {
    this.subscribed.push(topic);
    return Promise.resolve();
  }
  unsubscribe() {}
  publish(topic: string, _payload: string, _options: unknown, callback: (error?: Error) => void) {
    this.published.push(topic);
    callback();
  }
  endAsync(force: boolean) {
    this.ended = force;
    return new Promise<void>((resolve) => {
      this.finishEnd = () => {
        this.connected = false;
        resolve();
      };
    });
  }
  end(force: boolean) {
    this.ended = force;
  }
  connectNow() {
    this.connected = true;
    this.emit('connect', {});
  }
}

const clients: FakeClient[] = [];
vi.mock('mqtt', () => ({
  default: {
    connect: (_url: string, options: { will?: { topic: string; payload: string } }) => {
      const client = new FakeClient(options);
      clients.push(client);
      return client;
    },
  },
}));

const { Connection } = await import('../src/mqtt/connection');

async function connected() {
  const conn = new Connection({ url: 'ws://x/mqtt', clientId: 'web_a_1', will: { topic: 'chatroom/users/leave', payload: '{}' } });
  const connects: boolean[] = [];
  conn.onConnect((again) => connects.push(again));
  await conn.start();
  clients.at(-1)!.connectNow();
  return { conn, connects };
}

describe('Connection.setWill', () => {
  beforeEach(() => {
    clients.length = 0;
  });

  it('keeps the connection when the will does not change', async () => {
    const { conn } = await connected();
    conn.setWill('chatroom/users/leave', '{}');
    expect(clients).toHaveLength(1);
    expect(clients[0]!.ended).toBeUndefined();
  });

  it('reconnects with the new will after a graceful end, and sends publishes made meanwhile on the new client', async () => {
    const { conn, connects } = await connected();
    conn.subscribe(['chatroom/lab/messages/out'], () => undefined);
    conn.setWill('chatroom/lab/users/leave', '{"client_id":"web_a_1"}');
    expect(clients[0]!.ended).toBe(false); // graceful: a DISCONNECT, so the broker does not publish the old will
    const sent = conn.publish('chatroom/lab/users/join', { client_id: 'web_a_1' });
    expect(clients).toHaveLength(1); // not before the old client is gone: one client id, one connection
    clients[0]!.finishEnd();
    await sent;
    expect(clients).toHaveLength(2);
    const fresh = clients[1]!;
    expect(fresh.options.will?.topic).toBe('chatroom/lab/users/leave');
    expect(fresh.published).toEqual(['chatroom/lab/users/join']);
    expect(clients[0]!.published).toEqual([]);
    expect(fresh.subscribed).toContain('chatroom/lab/messages/out');
    fresh.connectNow();
    expect(connects).toEqual([false, true]);
    expect(conn.state).toBe('online');
  });

  it('ignores the replaced client: its close does not make the page look offline', async () => {
    const { conn } = await connected();
    const states: string[] = [];
    conn.onState((s) => states.push(s));
    conn.setWill('chatroom/lab/users/leave', '{}');
    clients[0]!.emit('close');
    clients[0]!.emit('offline');
    expect(states).toEqual([]);
  });

  it('only updates the will for the next connect attempt while not connected', async () => {
    const conn = new Connection({ url: 'ws://x/mqtt', clientId: 'web_a_1', will: { topic: 'chatroom/users/leave', payload: '{}' } });
    await conn.start();
    conn.setWill('chatroom/lab/users/leave', '{}');
    expect(clients).toHaveLength(1);
    expect((clients[0]!.options.will as { topic: string }).topic).toBe('chatroom/lab/users/leave');
  });
});
