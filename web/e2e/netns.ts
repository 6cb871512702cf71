// A network namespace with a veth pair to this one, for WebRTC end-to-end tests: libwebrtc gathers no candidates on
// loopback, so the browser lives in the namespace (10.232.N.2) and reaches the product through the veth (10.232.N.1).
// Needs root and iproute2. Chromium is started in the namespace by a wrapper that Playwright launches as its
// executable; Playwright's pipe to the browser is a pair of inherited file descriptors, which `ip netns exec` keeps.

import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const IP = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip'].find((p) => existsSync(p));

export function netnsAvailable(): boolean {
  return IP !== undefined && process.getuid?.() === 0;
}

export class NetNs {
  readonly name: string;
  readonly hostAddress: string;
  readonly deviceAddress: string;
  private readonly hostLink: string;
  private readonly dir = mkdtempSync(join(tmpdir(), 'netns-e2e-'));

  private constructor(n: number) {
    this.name = `voice-e2e-${process.pid}-${n}`;
    this.hostLink = `ve2e${n}a`;
    this.hostAddress = `10.232.${n}.1`;
    this.deviceAddress = `10.232.${n}.2`;
  }

  static create(): NetNs {
    const ns = new NetNs(1 + Math.floor(Math.random() * 249));
    const peer = `${ns.hostLink.slice(0, -1)}b`;
    ip('netns', 'add', ns.name);
    try {
      ip('link', 'add', ns.hostLink, 'type', 'veth', 'peer', 'name', peer);
      ip('link', 'set', peer, 'netns', ns.name);
      ip('addr', 'add', `${ns.hostAddress}/30`, 'dev', ns.hostLink);
      ip('link', 'set', ns.hostLink, 'up');
      ip('-n', ns.name, 'addr', 'add', `${ns.deviceAddress}/30`, 'dev', peer);
      ip('-n', ns.name, 'link', 'set', peer, 'up');
      ip('-n', ns.name, 'link', 'set', 'lo', 'up');
    } catch (e) {
      ns.close();
      throw e;
    }
    return ns;
  }

  /** An executable that runs `program` inside the namespace with the arguments it is given. */
  wrap(program: string): string {
    const script = join(this.dir, 'in-netns.sh');
    writeFileSync(script, `#!/bin/sh\nexec ${IP} netns exec ${this.name} ${program} "$@"\n`);
    chmodSync(script, 0o755);
    return script;
  }

  close(): void {
    for (const args of [['netns', 'del', this.name], ['link', 'del', this.hostLink]]) {
      try {
        ip(...args); // deleting the namespace takes the veth pair with it
      } catch {
        // already gone
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function ip(...args: string[]): void {
  execFileSync(IP!, args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 });
}
