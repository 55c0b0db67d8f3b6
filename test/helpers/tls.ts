import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { Agent, fetch as undiciFetch } from 'undici';

export interface TestCert {
  certFile: string;
  keyFile: string;
  /** The PEM certificate: the CA a client must trust (the certificate is its own issuer). */
  ca: Buffer;
  remove(): Promise<void>;
}

/**
 * A throw-away self-signed certificate for 127.0.0.1, made by the openssl CLI (Node has no API
 * that issues an X.509 certificate; the https unit test uses the same command).
 */
export async function selfSignedCert(): Promise<TestCert> {
  const dir = await mkdtemp(join(tmpdir(), 'apptrail-tls-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
  ], { stdio: 'ignore' });
  return { certFile, keyFile, ca: await readFile(certFile), remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * A fetch that trusts only `ca`, for the Auth0 SDK's `fetch` option (auth0 7.x passes it to every
 * request). undici's own fetch, so the Agent is of the same undici.
 */
export function trustingFetch(t: TestContext, ca: string | Buffer): typeof fetch {
  const dispatcher = new Agent({ connect: { ca } });
  t.after(() => dispatcher.close());
  return ((input: Parameters<typeof undiciFetch>[0], init?: Parameters<typeof undiciFetch>[1]) => undiciFetch(input, { ...init, dispatcher })) as unknown as typeof fetch;
}
