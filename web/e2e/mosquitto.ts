// Debian's Mosquitto as an external broker with a WebSocket listener, for the product's MQTT_BROKER mode.

import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './product';

export const MOSQUITTO = '/usr/sbin/mosquitto';

export interface Mosquitto {
  tcpPort: number;
  wsPort: number;
  /** Everything it logs (`log_type all`): each packet it received and sent, by client id. */
  logFile: string;
  stop: () => void;
}

function listening(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.end();
      ok(true);
    });
    socket.on('error', () => ok(false));
  });
}

/** Starts Mosquitto on free ports, anonymous, loopback only; rejects when it has no WebSocket support. */
export async function startMosquitto(): Promise<Mosquitto> {
  if (!existsSync(MOSQUITTO)) throw new Error(`no ${MOSQUITTO}`);
  const tcpPort = await freePort();
  const wsPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'aichatroom-mosquitto-'));
  const config = join(dir, 'mosquitto.conf');
  const logFile = join(dir, 'mosquitto.log');
  writeFileSync(
    config,
    `listener ${tcpPort} 127.0.0.1\nprotocol mqtt\nlistener ${wsPort} 127.0.0.1\nprotocol websockets\nallow_anonymous true\n` +
      'log_dest stdout\nlog_type all\nlog_timestamp_format %H:%M:%S\n',
  );
  // to its stdout: run as root it drops to the user mosquitto, who may not write to this directory
  const log = openSync(logFile, 'a');
  const child = spawn(MOSQUITTO, ['-c', config], { stdio: ['ignore', log, log] });
  closeSync(log);
  const stop = () => child.kill('SIGTERM');
  for (let i = 0; i < 50; i++) {
    if (child.exitCode !== null) break;
    if ((await listening(tcpPort)) && (await listening(wsPort))) return { tcpPort, wsPort, logFile, stop };
    await new Promise((r) => setTimeout(r, 100));
  }
  stop();
  throw new Error('Mosquitto did not start with a WebSocket listener');
}
