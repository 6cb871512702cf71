// An MQTT device on the product's TCP port: Mosquitto's command-line clients when installed, mqtt.js otherwise.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import mqtt from 'mqtt';

const MOSQUITTO_PUB = '/usr/bin/mosquitto_pub';
const MOSQUITTO_SUB = '/usr/bin/mosquitto_sub';
export const usesMosquitto = existsSync(MOSQUITTO_PUB) && existsSync(MOSQUITTO_SUB);

/** Publishes one message as client `clientId`, the way a script or a small device does. */
export async function publish(port: number, clientId: string, topic: string, body: object): Promise<void> {
  const payload = JSON.stringify(body);
  if (usesMosquitto) {
    await new Promise<void>((ok, fail) =>
      // no -i: a one-shot publisher's connection is not the device's presence (a member bound to its own MQTT
      // connection leaves when that connection closes, which for mosquitto_pub is at once)
      execFile(MOSQUITTO_PUB, ['-V', '5', '-h', '127.0.0.1', '-p', String(port), '-q', '1', '-t', topic, '-m', payload], (e) =>
        e ? fail(e) : ok(),
      ),
    );
    return;
  }
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { protocolVersion: 5, clientId: `${clientId}-pub-${Date.now()}` });
  await client.publishAsync(topic, payload, { qos: 1 });
  await client.endAsync();
}

/** Collects the payloads published on a topic while it runs. */
export class Listener {
  readonly received: string[] = [];
  private child: ChildProcess | null = null;
  private client: mqtt.MqttClient | null = null;

  static async start(port: number, clientId: string, topic: string): Promise<Listener> {
    const listener = new Listener();
    if (usesMosquitto) {
      const child = spawn(MOSQUITTO_SUB, ['-V', '5', '-h', '127.0.0.1', '-p', String(port), '-i', clientId, '-q', '1', '-t', topic]);
      let buffer = '';
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        buffer += chunk;
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        listener.received.push(...lines.filter(Boolean));
      });
      listener.child = child;
      await new Promise((r) => setTimeout(r, 500));
    } else {
      const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { protocolVersion: 5, clientId: `${clientId}-pub-${Date.now()}` });
      client.on('message', (_t, payload) => listener.received.push(payload.toString('utf8')));
      await client.subscribeAsync(topic, { qos: 1 });
      listener.client = client;
    }
    return listener;
  }

  async stop(): Promise<void> {
    this.child?.kill('SIGTERM');
    await this.client?.endAsync();
  }
}
