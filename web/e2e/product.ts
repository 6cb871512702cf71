// Starts the built product (server/target/ai-chatroom.jar) on free ports with its own data directory, and can
// stop and start it again on the same ports and data, the way an operator restarts it.

import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, type WriteStream } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const JAR = resolve(process.env.AICHATROOM_JAR ?? join(import.meta.dirname, '../../server/target/ai-chatroom.jar'));
const JAVA =
  process.env.JAVA_BIN ??
  (process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin/java') : existsSync('/usr/lib/jvm/temurin-25-jdk-amd64/bin/java') ? '/usr/lib/jvm/temurin-25-jdk-amd64/bin/java' : 'java');

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? ok(address.port) : fail(new Error('no port'))));
    });
  });
}

export class Product {
  readonly dataDir = mkdtempSync(join(tmpdir(), 'aichatroom-e2e-'));
  private process: ChildProcess | null = null;
  private log: WriteStream;
  httpPort = 0;
  mqttPort = 0;
  wsPort = 0;

  constructor(
    readonly name: string,
    private readonly extraEnv: Record<string, string> = {},
    /** The address HTTP_BIND and MQTT_BIND name when not loopback. */
    readonly host = '127.0.0.1',
  ) {
    this.log = createWriteStream(join(this.dataDir, 'product.log'), { flags: 'a' });
  }

  /** https:// when the product has a certificate (TLS_CERT). */
  get url(): string {
    return `${this.extraEnv.TLS_CERT ? 'https' : 'http'}://${this.host}:${this.httpPort}/`;
  }

  /** GET {path} on the product, trusting its own certificate when it has one (Node's fetch would refuse it). */
  async get(path: string): Promise<{ status: number; body: string }> {
    const certificate = this.extraEnv.TLS_CERT;
    if (!certificate) {
      const response = await fetch(`${this.url}${path}`);
      return { status: response.status, body: await response.text() };
    }
    return new Promise((ok, fail) => {
      httpsGet(`${this.url}${path}`, { ca: readFileSync(certificate) }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => ok({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', fail);
      }).on('error', fail);
    });
  }

  get logFile(): string {
    return join(this.dataDir, 'product.log');
  }

  async start(): Promise<void> {
    if (!this.httpPort) {
      this.httpPort = await freePort();
      this.mqttPort = await freePort();
      this.wsPort = await freePort();
    }
    const env = {
      ...process.env,
      DATA_DIR: join(this.dataDir, 'data'),
      PORT: String(this.httpPort),
      MQTT_PORT: String(this.mqttPort),
      MQTT_WS_PORT: String(this.wsPort),
      CHAT_LANGUAGE: 'en',
      // the default speech-to-text downloads its model on the first call: tests never do (Sphinx4 stands in)
      VOICE_STT_DOWNLOAD: 'false',
      ...this.extraEnv,
    };
    const child = spawn(JAVA, ['-Xmx256m', '-XX:TieredStopAtLevel=1', '-jar', JAR], {
      cwd: this.dataDir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(this.log, { end: false });
    child.stderr?.pipe(this.log, { end: false });
    this.process = child;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`${this.name} exited with ${child.exitCode}; see ${this.logFile}`);
      try {
        if ((await this.get('health')).status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`${this.name} did not become healthy within 60 s; see ${this.logFile}`);
  }

  async stop(): Promise<void> {
    const child = this.process;
    this.process = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
}
