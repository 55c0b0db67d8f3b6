import { webcrypto } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import * as x509 from '@peculiar/x509';
import { Agent, fetch as undiciFetch } from 'undici';
import { SignJWT } from 'jose';
import { loadConfig, type Config } from '../../shared/config/index.js';
import { createLogger } from '../../shared/log/index.js';
import { createShutdown } from '../../shared/lifecycle/index.js';
import { resolveSigningSecret, SCOPES, verifierFromConfig } from '../../shared/auth/index.js';
import { buildApp } from '../../services/api/app.js';
import { startApiRole } from '../../services/api/role.js';
import { loadTls } from '../../services/api/server.js';
import type { TestKafka } from './kafka.js';

// HTTPS for tests that drive apptrail with Auth0's own SDK, which only speaks https: a
// self-signed certificate for 127.0.0.1, an API served with it through the production TLS path
// (TLS_CERT_FILE/TLS_KEY_FILE → loadTls), and a fetch that trusts exactly that certificate.

const P256: webcrypto.EcKeyGenParams & webcrypto.EcdsaParams = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };

/** A self-signed server certificate for 127.0.0.1 and localhost, written as PEM files into `dir`. */
export async function createTestTls(dir: string): Promise<{ certFile: string; keyFile: string; certPem: string }> {
  const keys = (await webcrypto.subtle.generateKey(P256, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: '01',
      name: 'CN=127.0.0.1',
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + 24 * 3600_000),
      keys,
      signingAlgorithm: P256,
      extensions: [
        new x509.SubjectAlternativeNameExtension([{ type: 'ip', value: '127.0.0.1' }, { type: 'dns', value: 'localhost' }]),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      ],
    },
    webcrypto,
  );
  const certPem = cert.toString('pem');
  const keyDer = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64');
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${keyDer.match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`;
  const certFile = join(dir, 'tls-cert.pem');
  const keyFile = join(dir, 'tls-key.pem');
  await writeFile(certFile, certPem);
  await writeFile(keyFile, keyPem, { mode: 0o600 });
  return { certFile, keyFile, certPem };
}

/**
 * A fetch that trusts only `caPem`, for the SDK's `fetch` option (auth0 7.x passes it to every
 * request as its fetch function). undici's own fetch, so the Agent is of the same undici.
 */
export function trustingFetch(t: TestContext, caPem: string): typeof fetch {
  const dispatcher = new Agent({ connect: { ca: caPem } });
  t.after(() => dispatcher.close());
  return ((input: Parameters<typeof undiciFetch>[0], init?: Parameters<typeof undiciFetch>[1]) => undiciFetch(input, { ...init, dispatcher })) as unknown as typeof fetch;
}

export interface HttpsApi {
  config: Config;
  /** host:port, the SDK's `domain`. */
  domain: string;
  caPem: string;
  token(scope?: string): Promise<string>;
}

/** The API role served over HTTPS on an ephemeral port of 127.0.0.1 (the whole production TLS path). */
export async function startHttpsApi(t: TestContext, k: TestKafka, opts: { dataDir: string; env?: Record<string, string> }): Promise<HttpsApi> {
  const tls = await createTestTls(opts.dataDir);
  const config = loadConfig({
    DATA_DIR: opts.dataDir, KAFKA_TOPIC_PREFIX: k.prefix, KAFKA_PARTITIONS: '3', TLS_CERT_FILE: tls.certFile, TLS_KEY_FILE: tls.keyFile, ...opts.env,
  });
  const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent', name: 'test-https-api' });
  const shutdown = createShutdown(log, 10_000);
  t.after(() => shutdown.shutdown('test done'));
  const api = await startApiRole({ config, kafka: k.kafka, admin: k.admin, names: k.names, log, shutdown });
  const https = await loadTls(config);
  if (!https) throw new Error('loadTls returned nothing although TLS_CERT_FILE and TLS_KEY_FILE are set');
  const app = await buildApp({ log, https, verify: await verifierFromConfig(config), rateLimitPerSecond: config.RATE_LIMIT_PER_SECOND, features: [api.feature], readiness: api.readiness });
  shutdown.add('app', () => app.close());
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  const secret = await resolveSigningSecret(config);
  return {
    config,
    domain: `127.0.0.1:${address.port}`,
    caPem: tls.certPem,
    token: (scope = SCOPES.join(' ')) =>
      new SignJWT({ scope, azp: 'sdk-compat', name: 'SDK compat' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('auth0|sdk-compat')
        .setAudience(config.AUTH_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(secret),
  };
}
