// The page's one MQTT 5 connection over WebSocket, shared by every feature. It reconnects by itself, asks the
// HTTP API for a fresh token when the broker wants one, resubscribes, and tells listeners its state.

import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

export type ConnectionState = 'connecting' | 'online' | 'reconnecting' | 'offline';

export interface Credentials {
  username: string;
  password: string;
  /** ms since the epoch */
  expiresAt: number;
}

export interface ConnectionOptions {
  url: string;
  clientId: string;
  /** Asked before connecting and whenever the broker refuses the credentials; absent when it wants none. */
  credentials?: () => Promise<Credentials>;
  will: { topic: string; payload: string };
  reconnectMs?: number;
}

type Handler = (topic: string, payload: Uint8Array) => void;

/** CONNACK reason codes that mean "log in again": bad user name or password, not authorized. */
const AUTH_REFUSED = new Set([4, 5, 134, 135]);

export class Connection {
  private client: MqttClient | null = null;
  private readonly handlers = new Map<string, Set<Handler>>();
  private readonly stateListeners = new Set<(state: ConnectionState) => void>();
  private readonly connectListeners = new Set<(again: boolean) => void>();
  private readonly failureListeners = new Set<(error: unknown) => void>();
  private connectedBefore = false;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private generation = 0;
  state: ConnectionState = 'connecting';

  constructor(private readonly options: ConnectionOptions) {}

  get clientId(): string {
    return this.options.clientId;
  }

  /** Connects; until the first credentials arrive it keeps asking for them. */
  async start(): Promise<void> {
    const generation = ++this.generation;
    this.setState('connecting');
    let creds: Credentials | undefined;
    for (let attempt = 0; ; attempt++) {
      try {
        creds = await this.freshCredentials();
        break;
      } catch (e) {
        if (generation !== this.generation) return;
        this.failureListeners.forEach((l) => l(e));
        await new Promise((r) => setTimeout(r, Math.min(10_000, 1000 * 2 ** attempt)));
      }
    }
    if (generation !== this.generation) return;
    const options: IClientOptions = {
      protocolVersion: 5,
      clientId: this.options.clientId,
      clean: true,
      keepalive: 30,
      connectTimeout: 8000,
      reconnectPeriod: this.options.reconnectMs ?? 2000,
      resubscribe: true,
      // a refused login is retried like a lost connection, with the credentials renewed meanwhile
      reconnectOnConnackError: true,
      will: { topic: this.options.will.topic, payload: this.options.will.payload, qos: 1, retain: false },
    };
    if (creds) {
      options.username = creds.username;
      options.password = creds.password;
    }
    const client = mqtt.connect(this.options.url, options);
    this.client = client;
    if (this.handlers.size > 0) client.subscribe([...this.handlers.keys()], { qos: 1 });
    client.on('connect', () => {
      this.setState('online');
      const again = this.connectedBefore;
      this.connectedBefore = true;
      this.connectListeners.forEach((l) => l(again));
    });
    client.on('reconnect', () => this.setState('reconnecting'));
    client.on('close', () => {
      if (this.state === 'online' || this.state === 'connecting') this.setState('reconnecting');
    });
    client.on('offline', () => this.setState('reconnecting'));
    client.on('error', (error) => {
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'number' && AUTH_REFUSED.has(code)) {
        // a token from before a restart of the product, or one that expired while the tab slept
        this.setState('reconnecting');
        this.renewCredentials();
      }
    });
    client.on('message', (topic, payload) => {
      this.handlers.get(topic)?.forEach((h) => h(topic, payload));
    });
  }

  private async freshCredentials(): Promise<Credentials | undefined> {
    if (!this.options.credentials) return undefined;
    const creds = await this.options.credentials();
    this.scheduleRefresh(creds.expiresAt);
    return creds;
  }

  /** Fetches a new token before the current one expires, so that a reconnect later still gets in. */
  private scheduleRefresh(expiresAt: number): void {
    clearTimeout(this.refreshTimer);
    const delay = Math.max(5_000, (expiresAt - Date.now()) / 2);
    const generation = this.generation;
    this.refreshTimer = setTimeout(() => {
      if (generation !== this.generation) return;
      this.freshCredentials()
        .then((creds) => creds && this.useCredentials(creds))
        .catch(() => this.scheduleRefresh(Date.now() + 20_000));
    }, delay);
  }

  private useCredentials(creds: Credentials): void {
    if (this.client) {
      this.client.options.username = creds.username;
      this.client.options.password = creds.password;
    }
  }

  private renewing = false;

  /** New credentials for the next reconnect attempt; a failed renewal is tried again on the next refusal. */
  private renewCredentials(): void {
    if (this.renewing || !this.options.credentials) return;
    this.renewing = true;
    this.freshCredentials()
      .then((creds) => creds && this.useCredentials(creds))
      .catch(() => undefined)
      .finally(() => {
        this.renewing = false;
      });
  }

  private setState(state: ConnectionState): void {
    if (state === this.state) return;
    this.state = state;
    this.stateListeners.forEach((l) => l(state));
  }

  onState(listener: (state: ConnectionState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** Called on every successful connect; `again` is true after a reconnect. */
  onConnect(listener: (again: boolean) => void): () => void {
    this.connectListeners.add(listener);
    return () => this.connectListeners.delete(listener);
  }

  /** Subscribes to exact topics (QoS 1); the returned function unsubscribes. */
  subscribe(topics: readonly string[], handler: Handler): () => void {
    const fresh: string[] = [];
    for (const topic of topics) {
      let set = this.handlers.get(topic);
      if (!set) {
        set = new Set();
        this.handlers.set(topic, set);
        fresh.push(topic);
      }
      set.add(handler);
    }
    if (fresh.length > 0) this.client?.subscribe(fresh, { qos: 1 });
    return () => {
      const gone: string[] = [];
      for (const topic of topics) {
        const set = this.handlers.get(topic);
        set?.delete(handler);
        if (set && set.size === 0) {
          this.handlers.delete(topic);
          gone.push(topic);
        }
      }
      if (gone.length > 0) this.client?.unsubscribe(gone);
    };
  }

  /** Publishes JSON with QoS 1; while offline mqtt.js keeps it and sends it on reconnect. */
  publish(topic: string, body: object, qos: 0 | 1 = 1): Promise<void> {
    const client = this.client;
    if (!client) return Promise.reject(new Error('not connected'));
    return new Promise((resolve, reject) => {
      client.publish(topic, JSON.stringify(body), { qos }, (error) => (error ? reject(error) : resolve()));
    });
  }

  /** The will for the next connect (the current one keeps the will it connected with). */
  setWill(topic: string, payload: string): void {
    this.options.will = { topic, payload };
    if (this.client) this.client.options.will = { topic, payload, qos: 1, retain: false };
  }

  /** Told when the credentials cannot be had (the HTTP API is down, or refuses). */
  onFailure(listener: (error: unknown) => void): () => void {
    this.failureListeners.add(listener);
    return () => this.failureListeners.delete(listener);
  }

  stop(): void {
    this.generation++;
    clearTimeout(this.refreshTimer);
    this.client?.end(true);
    this.client = null;
    this.setState('offline');
  }
}
