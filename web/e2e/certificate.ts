// A self-signed certificate made by openssl, as an operator on a LAN would make one, and the flag that makes Chromium
// trust it (by its public key's hash) without installing it anywhere.

import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export interface Certificate {
  cert: string;
  key: string;
  /** --ignore-certificate-errors-spki-list=… for Chromium: trust this key, and nothing else beyond the usual. */
  chromiumFlag: string;
}

export function makeCertificate(dir: string, address: string): Certificate {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const san = /^[0-9.]+$|:/.test(address) ? `IP:${address}` : `DNS:${address}`;
  execFileSync('openssl', [
    'req', '-x509', '-nodes', '-days', '1', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256',
    '-subj', `/CN=${address}`, '-addext', `subjectAltName=${san}`, '-keyout', key, '-out', cert,
  ], { stdio: 'pipe' });
  const publicKey = execFileSync('openssl', ['x509', '-pubkey', '-noout', '-in', cert]);
  const der = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'der'], { input: publicKey });
  const hash = execFileSync('openssl', ['dgst', '-sha256', '-binary'], { input: der }).toString('base64');
  return { cert, key, chromiumFlag: `--ignore-certificate-errors-spki-list=${hash}` };
}
