import type { TestContext } from 'node:test';
import { SignJWT } from 'jose';
import { loadConfig } from '../../shared/config/index.js';
import { createShutdown } from '../../shared/lifecycle/index.js';
import type { Logger } from '../../shared/log/index.js';
import { resolveSigningSecret, SCOPES, verifierFromConfig } from '../../shared/auth/index.js';
import { buildApp } from '../../services/api/app.js';
import { startLogStreamsFeature } from '../../services/api/log-streams/index.js';
import { recordAuditRequests } from '../../services/api/audit-requests.js';
import { createEventProducer } from '../../shared/kafka/index.js';
import { testLog, type TestKafka } from './kafka.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests assert on arbitrary JSON answers
type Json = any;

export interface LogStreamsApi {
  stop(): Promise<void>;
  call(method: string, url: string, opts?: { scope?: string; body?: unknown }): Promise<{ status: number; body: Json }>;
}

/** The /api/v2/log-streams feature in process (Fastify inject), wired as the API role wires it. */
export async function startLogStreamsApi(t: TestContext, k: TestKafka, dataDir: string, opts: { log?: Logger } = {}): Promise<LogStreamsApi> {
  const log = opts.log ?? testLog;
  const config = loadConfig({ DATA_DIR: dataDir, KAFKA_TOPIC_PREFIX: k.prefix, KAFKA_PARTITIONS: '3', LOG_STREAMS_ALLOW_INSECURE_LOOPBACK: 'true' });
  const shutdown = createShutdown(log, 10_000);
  const streams = await startLogStreamsFeature({ config, kafka: k.kafka, admin: k.admin, names: k.names, log, shutdown });
  // As the API role wires it: refused requests are recorded by the shared hook.
  const producer = await createEventProducer(k.kafka);
  shutdown.add('audit producer', () => producer.disconnect());
  const auditFailures = async (app: Parameters<typeof recordAuditRequests>[0]) => recordAuditRequests(app, { producer, topic: k.names.auditRequests });
  const app = await buildApp({ log, verify: await verifierFromConfig(config), features: [auditFailures, streams.feature], readiness: streams.readiness });
  await app.ready();
  let stopped: Promise<void> | undefined;
  const stop = () => (stopped ??= (async () => {
    await app.close();
    await shutdown.shutdown('test done');
  })());
  t.after(stop);
  const secret = await resolveSigningSecret(config);
  const token = (scope: string) =>
    new SignJWT({ scope, azp: 'test-app' }).setProtectedHeader({ alg: 'HS256' }).setSubject('auth0|admin').setAudience(config.AUTH_AUDIENCE).setIssuedAt().setExpirationTime('1h').sign(secret);
  return {
    stop,
    async call(method, url, { scope, body } = {}) {
      const res = await app.inject({
        method: method as 'GET',
        url,
        headers: { authorization: `Bearer ${await token(scope ?? SCOPES.join(' '))}` },
        ...(body === undefined ? {} : { payload: body as object }),
      });
      return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined };
    },
  };
}
