import type { Admin, Kafka } from 'kafkajs';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../shared/config/index.js';
import type { Logger } from '../../shared/log/index.js';
import type { Shutdown } from '../../shared/lifecycle/index.js';
import { createEventProducer, startProjectionRunner, withBackgroundDelivery, type TopicNames } from '../../shared/kafka/index.js';
import { parseClientEventRecord } from '../../shared/clients/index.js';
import { createSecretBox } from '../../shared/crypto/secret-box.js';
import { resolveSecretsKey, SCOPES } from '../../shared/auth/index.js';
import type { Check } from '../../shared/health/index.js';
import type { ClickHouseHandle } from '../../shared/clickhouse/index.js';
import { ClientProjection } from './clients/projection.js';
import { createClientCommands } from './clients/commands.js';
import { clientRoutes } from './clients/routes.js';
import type { TenantView } from './clients/present.js';
import { recordAuditRequests } from './audit-requests.js';
import type { ClientCommands } from './clients/commands.js';
import type { AuthorizationDirectory, ClientGrantWriter } from '../../shared/oauth/ports.js';
import { issuerFromConfig } from '../../shared/oauth/discovery.js';
import { createRegistrationTokens } from '../../shared/oauth/registration-token.js';
import { tokenRoutes } from './oauth/token-routes.js';
import { registerRoutes } from './oauth/register-routes.js';
import { bootstrapAdminClient } from './oauth/bootstrap.js';
import { startTenantFeature } from './tenant/index.js';
import { catchUpOrStale, catchUpOrUnavailable } from './projection-reads.js';

export interface ApiRoleDeps {
  config: Config;
  kafka: Kafka;
  admin: Admin;
  names: TopicNames;
  log: Logger;
  shutdown: Shutdown;
  /**
   * Where the audit service keeps fold snapshots (the projection starts from one when it can) and
   * the projector keeps client_versions (history reads); without it those answer 503.
   */
  ch?: Pick<ClickHouseHandle, 'client'>;
  /**
   * Another authorization state than the tenant's (tests: an in-memory one they rotate at will)
   * for /oauth/token, discovery, registration and the bootstrap; default the tenant.events fold.
   */
  directory?: AuthorizationDirectory;
  /** With `directory`: creates the bootstrap client's grant; default the tenant's client-grant commands. */
  grants?: ClientGrantWriter;
  /** Where the bootstrap prints the credentials block once; default stdout. */
  print?: (text: string) => void;
}

export interface ApiRole {
  feature: (app: FastifyInstance) => Promise<void>;
  readiness: Record<string, Check>;
  projection: ClientProjection;
  commands: ClientCommands;
  /** The authorization state the OAuth routes read (shared/oauth/ports.ts), for the verifier to accept the tokens they issue. */
  directory: AuthorizationDirectory;
  /** First start of a tenant: creates and prints the administrative client. */
  bootstrap: () => Promise<'created' | 'skipped' | 'lost-race'>;
}

/**
 * The API role: its own projection of clients.events (a consumer group of its own per instance,
 * since every instance needs every partition), the command handler, and the routes.
 */
export async function startApiRole(deps: ApiRoleDeps): Promise<ApiRole> {
  const { config, kafka, admin, names, log, shutdown } = deps;
  const secretsKey = await resolveSecretsKey(config);
  const box = createSecretBox(secretsKey);
  const producer = await createEventProducer(kafka);
  shutdown.add('api producer', () => producer.disconnect());

  const projection = new ClientProjection(admin, names.clientEvents);
  if (deps.ch) {
    const started = Date.now();
    try {
      const states = await projection.loadSnapshot(deps.ch, names.clientEvents);
      log.info({ states, ms: Date.now() - started }, 'clients projection starts from the snapshot');
    } catch (err) {
      // Correct either way: without the snapshot the projection folds the topic from the start.
      log.warn({ err }, 'no snapshot for the clients projection; folding clients.events from the start');
    }
  }
  const runner = await startProjectionRunner({
    kafka,
    projection,
    topic: names.clientEvents,
    topicPrefix: config.KAFKA_TOPIC_PREFIX,
    name: 'api',
    parse: parseClientEventRecord,
    deadLetter: { topic: names.deadLetters, producer },
    log: log.child({ component: 'api-projection' }),
    partitions: config.KAFKA_PARTITIONS,
  });
  shutdown.add('api projection', () => runner.stop());
  // Grants of deleted clients are void: the directory and the grant routes ask the clients fold.
  const clientLive = (clientId: string) => {
    const c = projection.store.get(clientId);
    return c !== undefined && !c.deleted;
  };
  const tenant = await startTenantFeature({ config, kafka, admin, names, log, shutdown, producer, box, clientLive, clientsCaughtUp: () => catchUpOrUnavailable(projection) });
  // Auth0 shows the tenant's signing certificate in every client: the key tokens are signed with now.
  const tenantView: TenantView = {
    name: config.TENANT_NAME,
    get signingKeys() {
      return [tenant.currentCertificate()];
    },
  };
  const commands = createClientCommands({ projection, producer, topic: names.clientEvents, box, log });
  // A refused request is answered even while Kafka is down; its audit record follows when it can.
  const auditRequests = withBackgroundDelivery(producer, log.child({ component: 'audit-requests' }));
  shutdown.add('audit requests delivery', () => auditRequests.disconnect());

  const issuer = issuerFromConfig(config);
  // Token and registration answers read what every instance acknowledged before them, as the
  // Management API's reads do; during a broker outage they answer from what this instance holds.
  const caughtUp = async () => {
    await Promise.all([catchUpOrStale(projection), catchUpOrStale(tenant.projection)]);
  };
  const directory = deps.directory ?? tenant.directory;
  const grants = deps.grants ?? tenant.grants;
  return {
    projection,
    commands,
    directory,
    readiness: { clients_projection: () => projection.catchUp(1500), ...tenant.readiness },
    feature: async (app) => {
      recordAuditRequests(app, { producer: auditRequests, topic: names.auditRequests });
      await clientRoutes(app, { commands, projection, box, tenant: tenantView, ...(deps.ch ? { history: deps.ch } : {}) });
      await tenant.feature(app);
      const clients = projection.store;
      await tokenRoutes(app, { directory, clients, box, issuer, rateLimitPerMinute: config.OAUTH_RATE_LIMIT_PER_MINUTE, caughtUp });
      await registerRoutes(app, {
        directory, commands, clients, box, issuer, tokens: createRegistrationTokens(secretsKey),
        initialAccessToken: config.DCR_INITIAL_ACCESS_TOKEN, rateLimitPerMinute: config.OAUTH_RATE_LIMIT_PER_MINUTE, caughtUp,
      });
    },
    bootstrap: () =>
      bootstrapAdminClient({
        projection, commands, grants, audience: config.AUTH_AUDIENCE, tenant: config.TENANT_NAME,
        scopes: directory.resourceServer(config.AUTH_AUDIENCE)?.scopes.map((s) => s.value) ?? [...SCOPES],
        hasGrant: (clientId) => directory.grant(clientId, config.AUTH_AUDIENCE) !== undefined,
        tokenUrl: listenOrigin(config) + '/oauth/token', log: log.child({ component: 'bootstrap' }), print: deps.print ?? ((text) => void process.stdout.write(text)),
      }),
  };
}

/**
 * Where this process answers, for commands printed to whoever started it: the issuer is an
 * identifier (from AUTH_AUDIENCE or OAUTH_ISSUER) and may name another port than PORT.
 */
function listenOrigin(config: Config): string {
  const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? '127.0.0.1' : config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST;
  return `${config.TLS_CERT_FILE ? 'https' : 'http'}://${host}:${config.PORT}`;
}
