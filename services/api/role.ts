import type { Admin, Kafka } from 'kafkajs';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../shared/config/index.js';
import type { Logger } from '../../shared/log/index.js';
import type { Shutdown } from '../../shared/lifecycle/index.js';
import { createEventProducer, startProjectionRunner, withBackgroundDelivery, type TopicNames } from '../../shared/kafka/index.js';
import { parseClientEventRecord } from '../../shared/clients/index.js';
import { createSecretBox } from '../../shared/crypto/secret-box.js';
import { resolveSecretsKey } from '../../shared/auth/index.js';
import type { Check } from '../../shared/health/index.js';
import type { ClickHouseHandle } from '../../shared/clickhouse/index.js';
import { ClientProjection } from './clients/projection.js';
import { createClientCommands } from './clients/commands.js';
import { clientRoutes } from './clients/routes.js';
import type { TenantView } from './clients/present.js';
import { recordAuditRequests } from './audit-requests.js';
import { startTenantFeature } from './tenant/index.js';
import { catchUpOrUnavailable } from './projection-reads.js';
import type { TenantDirectory } from '../../shared/tenant/index.js';

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
}

/**
 * The API role: its own projection of clients.events (a consumer group of its own per instance,
 * since every instance needs every partition), the command handler, and the routes.
 */
export async function startApiRole(
  deps: ApiRoleDeps,
): Promise<{ feature: (app: FastifyInstance) => Promise<void>; readiness: Record<string, Check>; projection: ClientProjection; directory: TenantDirectory }> {
  const { config, kafka, admin, names, log, shutdown } = deps;
  const box = createSecretBox(await resolveSecretsKey(config));
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

  return {
    projection,
    /** The tenant's authorization state (shared/oauth/ports.ts) for the token endpoint and verifier. */
    directory: tenant.directory,
    readiness: { clients_projection: () => projection.catchUp(1500), ...tenant.readiness },
    feature: async (app) => {
      recordAuditRequests(app, { producer: auditRequests, topic: names.auditRequests });
      await clientRoutes(app, { commands, projection, box, tenant: tenantView, ...(deps.ch ? { history: deps.ch } : {}) });
      await tenant.feature(app);
    },
  };
}
