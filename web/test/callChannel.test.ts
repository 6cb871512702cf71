import { afterEach, describe, expect, it, vi } from 'vitest';

// the call channel on a fake Connection: what it connects with and what it sends as it closes
const connections: FakeConnection[] = [];

class FakeConnection {
  readonly published: { topic: string; body: object }[] = [];
  stopped = false;
  private readonly connectListeners: (() => void)[] = [];
  publishResult: Promise<void> = Promise.resolve();
  constructor(readonly options: { url: string; clientId: string; will?: { topic: string; payload: string; retain?: boolean } }) {
    connections.push(this);
  }
  onState() {
    return () => {};
  }
  onFailure() {
    return () => {};
  }
  onConnect(listener: () => void) {
    this.connectListeners.push(listener);
    return () => {};
  }
  async start() {
    this.connectListeners.forEach((l) => l());
  }
  publish(topic: string, body: object) {
    this.published.push({ topic, body });
    return this.publishResult;
  }
  stop() {
    this.stopped = true;
  }
}

vi.mock('../src/mqtt/connection', () => ({ Connection: FakeConnection }));

const { callChannel, FAREWELL_TIMEOUT_MS } = await import('../src/voice/channel');

const ID = 'voice_abc-s1';
const HANG_UP = { topic: `$webrtc/${ID}/multimedia_proxy`, body: { type: 'webrtc_terminated' as const, reason: 'the user hung up' } };

afterEach(() => {
  connections.length = 0;
  vi.useRealTimers();
});

describe('call channel', () => {
  it('connects with webrtc_terminated on the proxy topic as its will (PROTOCOL.md §3)', async () => {
    const channel = callChannel('ws://broker/mqtt', ID);
    await channel.connect();
    expect(connections).toHaveLength(1);
    const will = connections[0]!.options.will!;
    expect(will.topic).toBe(`$webrtc/${ID}/multimedia_proxy`);
    expect(will.retain ?? false).toBe(false);
    expect(JSON.parse(will.payload)).toEqual({ type: 'webrtc_terminated', reason: 'the device went away' });
  });

  it('publishes the farewell on hang-up, then closes', async () => {
    const channel = callChannel('ws://broker/mqtt', ID);
    await channel.connect();
    const c = connections[0]!;
    let acknowledge!: () => void;
    c.publishResult = new Promise<void>((r) => (acknowledge = r));
    channel.close(HANG_UP);
    expect(c.published).toEqual([HANG_UP]);
    expect(c.stopped).toBe(false); // not before the broker has it
    acknowledge();
    await Promise.resolve();
    await Promise.resolve();
    expect(c.stopped).toBe(true);
  });

  it('closes anyway when the farewell is not acknowledged in time, and never the next call', async () => {
    vi.useFakeTimers();
    const channel = callChannel('ws://broker/mqtt', ID);
    await channel.connect();
    const first = connections[0]!;
    first.publishResult = new Promise<void>(() => {});
    channel.close(HANG_UP);
    await channel.connect(); // the user calls again at once
    const second = connections[1]!;
    vi.advanceTimersByTime(FAREWELL_TIMEOUT_MS);
    expect(first.stopped).toBe(true);
    expect(second.stopped).toBe(false);
  });

  it('closes at once without a farewell', async () => {
    const channel = callChannel('ws://broker/mqtt', ID);
    await channel.connect();
    channel.close();
    expect(connections[0]!.published).toEqual([]);
    expect(connections[0]!.stopped).toBe(true);
  });
});
