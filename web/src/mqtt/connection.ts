// An MQTT 5 connection over WebSocket, shared by the features of a page. It reconnects by itself, asks the
// HTTP API for a fresh token when the broker wants one, resubscribes, and tells listeners its state. The voice page
// opens a second one for its MCP server, which needs CONNECT and PUBLISH user properties, a retained will and No Local.

import mqtt, { type IClientOptions, type IClientPublishOptions, type MqttClient } from 'mqtt';

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
  /** Published by the broker when the connection drops without a DISCONNECT; none when absent. */
  will?: { topic: string; payload: string; retain?: boolean };
  reconnectMs?: number;
  /** Sent in CONNECT. */
  connectUserProperties?: Record<string, string>;
  /** Sent with every PUBLISH, the will included. */
  publishUserProperties?: Record<string, string>;
}

/** MQTT 5 user properties as mqtt.js gives them: a repeated name carries an array. */
export type UserProperties = Record<string, string | string[]>;

type Handler = (topic: string, payload: Uint8Array, userProperties: UserProperties) => void;

/** CONNACK reason codes that mean "log in again": bad user name or password, not authorized. */
const AUTH_REFUSED = new Set([4, 5, 134, 135]);

/** How long a client replaced for a new will may take to send what is in flight and disconnect. */
const SWITCH_TIMEOUT_MS = 3000;

export class Connection {
  private client: MqttClient | null = null;
  private readonly handlers = new Map<string, Set<Handler>>();
  private readonly stateListeners = new Set<(state: ConnectionState) => void>();
  private readonly connectListeners = new Set<(again: boolean, connackUserProperties: UserProperties) => void>();
  private readonly subscribeOptions = new Map<string, { noLocal: boolean }>();
  private readonly failureListeners = new Set<(error: unknown) => void>();
  private connectedBefore = false;
  private creds: Credentials | undefined;
  /** While the client is being replaced to change the will: settles once the new one exists. */
  private switching: Promise<void> | null = null;
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
    this.creds = creds;
    this.open();
  }

  /** Creates the mqtt.js client with the current will and credentials, and subscribes what is registered. */
  private open(): void {
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
    };
    const will = this.will();
    if (will) options.will = will;
    if (this.options.connectUserProperties) {
      options.properties = { userProperties: { ...this.options.connectUserProperties } };
    }
    if (this.creds) {
      options.username = this.creds.username;
      options.password = this.creds.password;
    }
    const client = mqtt.connect(this.options.url, options);
    this.client = client;
    // events of a client this connection has replaced (see setWill) are not this connection's any more
    const current = () => this.client === client;
    for (const topic of this.handlers.keys()) client.subscribe(topic, this.subscriptionOptions(topic));
    client.on('connect', (connack) => {
      if (!current()) return;
      this.setState('online');
      const again = this.connectedBefore;
      this.connectedBefore = true;
      const props = (connack.properties?.userProperties ?? {}) as UserProperties;
      this.connectListeners.forEach((l) => l(again, props));
    });
    client.on('reconnect', () => current() && this.setState('reconnecting'));
    client.on('close', () => {
      if (current() && (this.state === 'online' || this.state === 'connecting')) this.setState('reconnecting');
    });
    client.on('offline', () => current() && this.setState('reconnecting'));
    client.on('error', (error) => {
      const code = (error as { code?: unknown }).code;
      if (current() && typeof code === 'number' && AUTH_REFUSED.has(code)) {
        // a token from before a restart of the product, or one that expired while the tab slept
        this.setState('reconnecting');
        this.renewCredentials();
      }
    });
    client.on('message', (topic, payload, packet) => {
      if (!current()) return;
      const props = (packet.properties?.userProperties ?? {}) as UserProperties;
      this.handlers.get(topic)?.forEach((h) => h(topic, payload, props));
    });
  }

  private async freshCredentials(): Promise<Credentials | undefined> {
    if (!this.options.credentials) return undefined;
    const creds = await this.options.credentials();
    this.creds = creds;
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
  onConnect(listener: (again: boolean, connackUserProperties: UserProperties) => void): () => void {
    this.connectListeners.add(listener);
    return () => this.connectListeners.delete(listener);
  }

  /** Subscribes to exact topics (QoS 1); the returned function unsubscribes. */
  subscribe(topics: readonly string[], handler: Handler, options: { noLocal?: boolean } = {}): () => void {
    return this.register(topics, handler, options).unsubscribe;
  }

  /**
   * Like {@link subscribe}, but resolves once the broker granted the subscriptions (SUBACK) and rejects when it
   * refused one or is not connected: for protocols that must be subscribed before they answer.
   */
  async subscribed(topics: readonly string[], handler: Handler, options: { noLocal?: boolean } = {}): Promise<() => void> {
    const { unsubscribe, granted } = this.register(topics, handler, options);
    try {
      await granted;
    } catch (e) {
      unsubscribe();
      throw e;
    }
    return unsubscribe;
  }

  private register(
    topics: readonly string[],
    handler: Handler,
    options: { noLocal?: boolean },
  ): { unsubscribe: () => void; granted: Promise<void> } {
    const fresh: string[] = [];
    for (const topic of topics) {
      let set = this.handlers.get(topic);
      if (!set) {
        set = new Set();
        this.handlers.set(topic, set);
        this.subscribeOptions.set(topic, { noLocal: options.noLocal ?? false });
        fresh.push(topic);
      }
      set.add(handler);
    }
    const client = this.client;
    let granted: Promise<void> = Promise.resolve();
    if (fresh.length > 0) {
      granted = client
        ? Promise.all(fresh.map((topic) => client.subscribeAsync(topic, this.subscriptionOptions(topic)))).then(() => undefined)
        : this.switching
          ? this.switching.then(() => undefined) // the new client subscribes every registered topic
          : Promise.reject(new Error('not connected'));
      granted.catch(() => undefined);
    }
    const unsubscribe = () => {
      const gone: string[] = [];
      for (const topic of topics) {
        const set = this.handlers.get(topic);
        set?.delete(handler);
        if (set && set.size === 0) {
          this.handlers.delete(topic);
          this.subscribeOptions.delete(topic);
          gone.push(topic);
        }
      }
      if (gone.length > 0) this.client?.unsubscribe(gone);
    };
    return { unsubscribe, granted };
  }

  private subscriptionOptions(topic: string): { qos: 1; nl: boolean } {
    return { qos: 1, nl: this.subscribeOptions.get(topic)?.noLocal ?? false };
  }

  /** Publishes JSON with QoS 1; while offline mqtt.js keeps it and sends it on reconnect. */
  publish(topic: string, body: object, qos: 0 | 1 = 1): Promise<void> {
    return this.publishText(topic, JSON.stringify(body), { qos });
  }

  /** Publishes a text payload as it is (an empty one clears a retained message); resolves on PUBACK. */
  publishText(topic: string, payload: string, options: { qos?: 0 | 1; retain?: boolean } = {}): Promise<void> {
    if (this.switching) return this.switching.then(() => this.publishText(topic, payload, options));
    const client = this.client;
    if (!client) return Promise.reject(new Error('not connected'));
    const publishOptions: IClientPublishOptions = { qos: options.qos ?? 1, retain: options.retain ?? false };
    if (this.options.publishUserProperties) {
      publishOptions.properties = { userProperties: { ...this.options.publishUserProperties } };
    }
    return new Promise((resolve, reject) => {
      client.publish(topic, payload, publishOptions, (error) => (error ? reject(error) : resolve()));
    });
  }

  /**
   * The will from now on. MQTT cannot change the will of a live connection, so a connected client with another
   * will is ended gracefully (a DISCONNECT, so no will is published; what is in flight is sent first) and a new one
   * connects with this will; publishes meanwhile wait for it, and listeners see a reconnect (`again`), not a state
   * change. Not connected, the next connect attempt carries it.
   */
  setWill(topic: string, payload: string): void {
    const before = this.options.will;
    this.options.will = { ...this.options.will, topic, payload };
    const client = this.client;
    if (!client) return;
    client.options.will = this.will();
    if (before?.topic === topic && before.payload === payload) return;
    if (client.connected) this.replace(client);
  }

  private replace(old: MqttClient): void {
    const generation = this.generation;
    this.client = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    // a DISCONNECT that cannot be sent (the connection broke meanwhile) does not hold the switch up
    const ended = Promise.race([
      old.endAsync(false).catch(() => undefined),
      new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          old.end(true);
          resolve();
        }, SWITCH_TIMEOUT_MS);
      }),
    ]);
    const switching = ended.then(() => {
      clearTimeout(timer);
      if (generation === this.generation) this.open();
    });
    this.switching = switching;
    void switching.finally(() => {
      if (this.switching === switching) this.switching = null;
    });
  }

  private will(): IClientOptions['will'] {
    if (!this.options.will) return undefined;
    const { topic, payload, retain } = this.options.will;
    const will: NonNullable<IClientOptions['will']> = { topic, payload, qos: 1, retain: retain ?? false };
    if (this.options.publishUserProperties) will.properties = { userProperties: { ...this.options.publishUserProperties } };
    return will;
  }

  /** Ends the connection after what is in flight has been sent (a graceful stop); then like {@link stop}. */
  async end(): Promise<void> {
    this.generation++;
    clearTimeout(this.refreshTimer);
    const client = this.client;
    this.client = null;
    if (client) await client.endAsync(false).catch(() => undefined);
    this.setState('offline');
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
