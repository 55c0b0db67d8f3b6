import assert from 'node:assert/strict';
import { ManagementError } from 'auth0';
import type { TestContext } from 'node:test';
import { SignJWT } from 'jose';
import { loadConfig, type Config } from '../../shared/config/index.js';
import { createLogger } from '../../shared/log/index.js';
import { createShutdown } from '../../shared/lifecycle/index.js';
import { resolveSigningSecret, SCOPES, verifierFromConfig } from '../../shared/auth/index.js';
import { buildApp } from '../../services/api/app.js';
import { startApiRole, type ApiRole } from '../../services/api/role.js';
import { startLogStreamsFeature } from '../../services/api/log-streams/index.js';
import { loadTls } from '../../services/api/server.js';
import type { TestKafka } from './kafka.js';
import { selfSignedCert } from './tls.js';

// The clients API (and, with `logStreams`, the log-streams API) over HTTPS for tests that drive apptrail with Auth0's own SDK, which only speaks
// https: served with a self-signed certificate (./tls.ts) through the production TLS path
// (TLS_CERT_FILE/TLS_KEY_FILE → loadTls); the SDK trusts it through trustingFetch (./tls.ts).

export interface HttpsApi {
  config: Config;
  /** host:port, the SDK's `domain`. */
  domain: string;
  caPem: string;
  token(scope?: string): Promise<string>;
  /** The API role itself (its bootstrap, commands and projection). */
  role: ApiRole;
}

/** The API role served over HTTPS on an ephemeral port of 127.0.0.1 (the whole production TLS path). */
export async function startHttpsApi(
  t: TestContext,
  k: TestKafka,
  opts: {
    dataDir: string;
    env?: Record<string, string>;
    /** Also serve /api/v2/log-streams, as services/main.ts does. */
    logStreams?: boolean;
    /** Where the bootstrap prints its credentials block. */
    print?: (text: string) => void;
  },
): Promise<HttpsApi> {
  const tls = await selfSignedCert();
  t.after(() => tls.remove());
  const config = loadConfig({
    DATA_DIR: opts.dataDir, KAFKA_TOPIC_PREFIX: k.prefix, KAFKA_PARTITIONS: '3', TLS_CERT_FILE: tls.certFile, TLS_KEY_FILE: tls.keyFile, ...opts.env,
  });
  const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent', name: 'test-https-api' });
  const shutdown = createShutdown(log, 10_000);
  t.after(() => shutdown.shutdown('test done'));
  const api = await startApiRole({
    config, kafka: k.kafka, admin: k.admin, names: k.names, log, shutdown,
    ...(opts.print ? { print: opts.print } : {}),
  });
  const logStreams = opts.logStreams === true ? await startLogStreamsFeature({ config, kafka: k.kafka, admin: k.admin, names: k.names, log, shutdown }) : undefined;
  const https = await loadTls(config);
  if (!https) throw new Error('loadTls returned nothing although TLS_CERT_FILE and TLS_KEY_FILE are set');
  const app = await buildApp({
    log, https, verify: await verifierFromConfig(config, api.directory), rateLimitPerSecond: config.RATE_LIMIT_PER_SECOND, features: [api.feature, ...(logStreams ? [logStreams.feature] : [])], readiness: { ...api.readiness, ...logStreams?.readiness },
  });
  shutdown.add('app', () => app.close());
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  const secret = await resolveSigningSecret(config);
  return {
    config,
    role: api,
    domain: `127.0.0.1:${address.port}`,
    caPem: tls.ca.toString(),
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

/** The Auth0 SDK's thrown error for a refused call; fails when the call succeeds. */
export async function refusal(call: Promise<unknown>): Promise<ManagementError> {
  try {
    await call;
  } catch (err) {
    assert.ok(err instanceof ManagementError, String(err));
    return err;
  }
  assert.fail('expected the call to be refused');
}
