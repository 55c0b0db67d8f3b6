import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { SignJWT } from 'jose';
import type { FastifyInstance } from 'fastify';
import { loadConfig, type Config } from '../../shared/config/index.js';
import { createLogger } from '../../shared/log/index.js';
import { createShutdown } from '../../shared/lifecycle/index.js';
import { resolveSigningSecret, SCOPES, verifierFromConfig } from '../../shared/auth/index.js';
import { buildApp } from '../../services/api/app.js';
import { startApiRole } from '../../services/api/role.js';
import type { ClientProjection } from '../../services/api/clients/projection.js';
import type { TestKafka } from './kafka.js';
import type { ClickHouseHandle } from '../../shared/clickhouse/index.js';
import type { AuthorizationDirectory } from '../../shared/oauth/ports.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests assert on arbitrary JSON answers
type Json = any;

export interface TestApi {
  app: FastifyInstance;
  config: Config;
  projection: ClientProjection;
  /** The tenant's AuthorizationDirectory (shared/oauth/ports.ts). */
  directory: AuthorizationDirectory;
  /** Every log line this instance wrote, as JSON text. */
  logs: string[];
  token(scope?: string, claims?: Record<string, unknown>): Promise<string>;
  call(method: string, url: string, opts?: { scope?: string; token?: string | null; body?: unknown }): Promise<{ status: number; body: Json }>;
}

export async function newDataDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'apptrail-api-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** An API instance in this process on the test broker; instances sharing a dataDir share keys. */
export async function startTestApi(
  t: TestContext,
  k: TestKafka,
  opts: { dataDir: string; env?: Record<string, string>; ch?: Pick<ClickHouseHandle, 'client'>; features?: Array<(app: FastifyInstance) => Promise<void>> },
): Promise<TestApi> {
  const config = loadConfig({ DATA_DIR: opts.dataDir, KAFKA_TOPIC_PREFIX: k.prefix, KAFKA_PARTITIONS: '3', ...opts.env });
  const logs: string[] = [];
  const log = createLogger({ level: 'debug', name: 'test-api', destination: { write: (line: string) => void logs.push(line) } });
  const shutdown = createShutdown(log, 10_000);
  // Registered first: a start-up that fails half-way must still close what it opened.
  t.after(() => shutdown.shutdown('test done'));
  const api = await startApiRole({ config, kafka: k.kafka, admin: k.admin, names: k.names, log, shutdown, ...(opts.ch ? { ch: opts.ch } : {}) });
  const app = await buildApp({ log, verify: await verifierFromConfig(config, api.directory), rateLimitPerSecond: config.RATE_LIMIT_PER_SECOND, features: [api.feature, ...(opts.features ?? [])], readiness: api.readiness });
  shutdown.add('app', () => app.close());
  await app.ready();
  const secret = await resolveSigningSecret(config);
  const token = (scope = SCOPES.join(' '), { aud, ...claims }: Record<string, unknown> = {}) =>
    new SignJWT({ scope, azp: 'test-app', name: 'Test Admin', ...claims })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('auth0|test-admin')
      .setAudience(typeof aud === 'string' ? aud : config.AUTH_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(secret);
  return {
    app,
    config,
    projection: api.projection,
    directory: api.directory,
    logs,
    token,
    async call(method, url, { scope, token: given, body } = {}) {
      const bearer = given === null ? undefined : (given ?? (await token(scope)));
      const res = await app.inject({
        method: method as 'GET',
        url,
        headers: { ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), 'user-agent': 'apptrail-test/1.0' },
        ...(body === undefined ? {} : { payload: body as object }),
      });
      return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined };
    },
  };
}
