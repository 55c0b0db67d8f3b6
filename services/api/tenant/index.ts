import { readFile } from 'node:fs/promises';
import type { Admin, Kafka } from 'kafkajs';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../../shared/config/index.js';
import type { Logger } from '../../../shared/log/index.js';
import type { Shutdown } from '../../../shared/lifecycle/index.js';
import type { Check } from '../../../shared/health/index.js';
import type { SecretBox } from '../../../shared/crypto/secret-box.js';
import { SCOPES } from '../../../shared/auth/index.js';
import { startProjectionRunner, type EventProducer, type TopicNames } from '../../../shared/kafka/index.js';
import { createTenantDirectory, managementResourceServer, parseTenantEventRecord, SIGNING_KEYS_ID, TenantProjection, type TenantDirectory } from '../../../shared/tenant/index.js';
import { toSigningKey, type TenantSigningKey } from '../../../shared/keys/index.js';
import { createTenantCommands } from './commands.js';
import { tenantRoutes } from './routes.js';
import type { ClientGrantWriter } from '../../../shared/oauth/ports.js';
import type { EventMeta } from '../../../shared/clients/envelope.js';

/** Who the grants apptrail makes for itself are by, in the trail. */
const BOOTSTRAP_META: EventMeta = { actor: 'apptrail|bootstrap', actorclient: '', actorname: 'apptrail bootstrap', requestid: 'bootstrap', ip: '', useragent: 'apptrail', method: 'POST', path: '/api/v2/client-grants' };

export interface TenantFeatureDeps {
  config: Config;
  kafka: Kafka;
  admin: Admin;
  names: TopicNames;
  log: Logger;
  shutdown: Shutdown;
  producer: EventProducer;
  box: SecretBox;
  /** Whether a client exists and is not deleted (the API's clients projection). */
  clientLive: (clientId: string) => boolean;
  clientsCaughtUp: () => Promise<void>;
}

/** How long start-up waits for the tenant fold to hold the whole topic before deciding whether keys exist. */
const START_CATCH_UP_MS = 30_000;

/**
 * Resource servers, client grants, tenant settings and signing keys: commands appended to
 * tenant.events and answered once this instance's fold applied them; the AuthorizationDirectory
 * the token endpoint and verifier read. On first start (no keys folded) it proposes the first key
 * pair, from SIGNING_KEY_FILE when given.
 */
export async function startTenantFeature(
  deps: TenantFeatureDeps,
): Promise<{
  feature: (app: FastifyInstance) => Promise<void>;
  readiness: Record<string, Check>;
  directory: TenantDirectory;
  projection: TenantProjection;
  /** The current signing key's certificate as Auth0 shows it in every client's `signing_keys`. */
  currentCertificate: () => TenantSigningKey;
  /** Client grants made by apptrail itself (the bootstrap client's), as events like any other. */
  grants: ClientGrantWriter;
}> {
  const { config, names, shutdown } = deps;
  const log = deps.log.child({ component: 'tenant' });
  const projection = new TenantProjection(deps.admin, names.tenantEvents);
  const runner = await startProjectionRunner({
    kafka: deps.kafka,
    projection,
    topic: names.tenantEvents,
    topicPrefix: config.KAFKA_TOPIC_PREFIX,
    name: 'api-tenant',
    parse: parseTenantEventRecord,
    deadLetter: { topic: names.deadLetters, producer: deps.producer },
    log: log.child({ component: 'tenant-projection' }),
    partitions: config.KAFKA_PARTITIONS,
  });
  shutdown.add('tenant projection', () => runner.stop());

  const managementApi = managementResourceServer(config.AUTH_AUDIENCE, SCOPES);
  const directory = createTenantDirectory({ store: projection.store, box: deps.box, managementApi, clientLive: deps.clientLive });
  const commands = createTenantCommands({ projection, producer: deps.producer, topic: names.tenantEvents, log, box: deps.box, directory, clientLive: deps.clientLive, tenantName: config.TENANT_NAME });

  await projection.catchUp(START_CATCH_UP_MS);
  const given = config.SIGNING_KEY_FILE === undefined ? undefined : await readFile(config.SIGNING_KEY_FILE, 'utf8');
  const keys = await commands.ensureKeys(given);
  log.info({ current: keys.data.current_kid, next: keys.data.next_kid, published: keys.data.keys.filter((k) => k.revoked_at === undefined).length }, 'tenant signing keys ready');

  let shown: { kid: string; key: TenantSigningKey } | undefined;
  const currentCertificate = (): TenantSigningKey => {
    const data = projection.store.liveOf('signing_keys', SIGNING_KEYS_ID)!.data;
    if (shown?.kid !== data.current_kid) shown = { kid: data.current_kid, key: toSigningKey(data.keys.find((k) => k.kid === data.current_kid)!.cert) };
    return shown.key;
  };

  return {
    directory,
    currentCertificate,
    grants: { createGrant: async (g) => void (await commands.createClientGrant({ client_id: g.client_id, audience: g.audience, scope: [...g.scope] }, BOOTSTRAP_META)) },
    projection,
    readiness: { tenant_projection: () => projection.catchUp(1500) },
    feature: (app) => tenantRoutes(app, { commands, projection, directory, managementApi, clientLive: deps.clientLive, clientsCaughtUp: deps.clientsCaughtUp }),
  };
}
