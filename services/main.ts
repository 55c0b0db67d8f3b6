/**
 * The composition root: `npm start` runs every role in one process on the embedded default
 * (the local Kafka broker unless KAFKA_BROKERS is set, chDB unless CLICKHOUSE_URL is set).
 * With ROLES=api (or projector, audit, exporter) the same entry point runs one role against
 * shared infrastructure, which is how docker-compose.yml deploys it.
 */
import { loadConfig, type Config } from '../shared/config/index.js';
import { createLogger, type Logger } from '../shared/log/index.js';
import { createShutdown, installFaultGuard, type Shutdown } from '../shared/lifecycle/index.js';
import { createEventProducer, createKafka, ensureTopics, processConsumerStatus, roleGroupId, topicNames, topicSpecs } from '../shared/kafka/index.js';
import { brokersFromConfig } from '../shared/kafka/brokers-from-config.js';
import { clickhouseOptions, createClickHouse, migrate } from '../shared/clickhouse/index.js';
import { migrations } from '../shared/migrations/index.js';
import { buildApp } from './api/app.js';
import { loadTls } from './api/server.js';
import { startApiRole } from './api/role.js';
import { consoleFeature } from './api/console.js';
import { consoleConfig } from '../shared/console/config.js';
import { startProjector } from './projector/index.js';
import { startAuditRole } from './audit/role.js';
import { logsRoutes } from './audit/logs-routes.js';
import { logsStreamOptions } from './audit/logs-stream.js';
import { tamperRoutes } from './audit/tamper-routes.js';
import { checkpointKeyFromSeed } from '../shared/audit/checkpoint.js';
import { unavailable } from '../shared/errors/auth0-error.js';
import { startLogStreamsFeature } from './api/log-streams/index.js';
import { startExporterRole } from './exporter/index.js';
import { resolveCheckpointSeed, verifierFromConfig } from '../shared/auth/index.js';
import { collectRuntimeMetrics, metricsRegistry } from '../shared/metrics/index.js';

async function startKafka(config: Config, log: Logger, shutdown: Shutdown) {
  const { brokers, stop } = await brokersFromConfig(config, log);
  shutdown.add('local kafka broker', stop);
  const kafka = createKafka({ brokers, clientId: config.KAFKA_CLIENT_ID, log });
  const admin = kafka.admin();
  await admin.connect();
  shutdown.add('kafka admin', () => admin.disconnect());
  const names = topicNames(config.KAFKA_TOPIC_PREFIX);
  await ensureTopics(admin, topicSpecs(names, { partitions: config.KAFKA_PARTITIONS, replicationFactor: config.KAFKA_REPLICATION_FACTOR }), log);
  return { kafka, admin, names, brokers };
}

async function startClickHouse(config: Config, log: Logger, shutdown: Shutdown) {
  const ch = await createClickHouse(clickhouseOptions(config));
  shutdown.add('clickhouse', () => ch.close());
  await migrate(ch, migrations, log);
  log.info({ mode: ch.mode, database: ch.database }, 'clickhouse ready');
  return ch;
}

/**
 * Only the audit role knows the chain heads it commits; a process without it still verifies and
 * lists checkpoints (ClickHouse), and the audit role keeps signing them at its interval.
 */
async function checkpointElsewhere(): Promise<never> {
  throw unavailable('Checkpoints are signed on demand where the audit role runs (ROLES includes audit); this process verifies and lists them. Retry against that process.');
}

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger({ level: config.LOG_LEVEL, name: 'apptrail' });
  const shutdown = createShutdown(log, config.SHUTDOWN_TIMEOUT_MS);
  shutdown.listen();
  installFaultGuard(log, () => shutdown.shutdown('uncaught exception'));
  collectRuntimeMetrics();
  try {
    const kafka = await startKafka(config, log, shutdown);
    const ch = await startClickHouse(config, log, shutdown);
    if (config.ROLES.includes('projector')) {
      const producer = await createEventProducer(kafka.kafka);
      shutdown.add('projector producer', () => producer.disconnect());
      const projector = await startProjector({ kafka: kafka.kafka, ch, topics: kafka.names, producer, groupId: roleGroupId(config.KAFKA_TOPIC_PREFIX, 'projector'), log: log.child({ role: 'projector' }) });
      shutdown.add('projector', () => projector.stop());
    }
    const api = config.ROLES.includes('api') ? await startApiRole({ config, kafka: kafka.kafka, admin: kafka.admin, names: kafka.names, log, shutdown, ch }) : undefined;
    const logStreams = config.ROLES.includes('api') ? await startLogStreamsFeature({ config, kafka: kafka.kafka, admin: kafka.admin, names: kafka.names, log, shutdown }) : undefined;
    if (config.ROLES.includes('exporter')) await startExporterRole({ config, kafka: kafka.kafka, admin: kafka.admin, names: kafka.names, log, shutdown });
    const checkpointKey = await checkpointKeyFromSeed(await resolveCheckpointSeed(config));
    const audit = config.ROLES.includes('audit') ? await startAuditRole({ config, kafka: kafka.kafka, admin: kafka.admin, names: kafka.names, ch, log, shutdown, checkpointKey }) : undefined;
    // The logs API reads ClickHouse only, so the API role serves it too: one base URL for the whole
    // Management API (an SDK takes one domain), whichever roles a process runs.
    const logs = config.ROLES.includes('api') || config.ROLES.includes('audit')
      ? async (app: Parameters<typeof logsRoutes>[0]) => {
          await logsRoutes(app, { ch, log, stream: logsStreamOptions(config), checkpointHorizonMs: config.LOGS_CHECKPOINT_HORIZON_MS });
          await tamperRoutes(app, { ch, key: checkpointKey, checkpoint: audit?.checkpoint ?? checkpointElsewhere });
        }
      : undefined;
    const app = await buildApp({
      log,
      https: await loadTls(config),
      verify: await verifierFromConfig(config, api?.directory),
      rateLimitPerSecond: config.RATE_LIMIT_PER_SECOND,
      metrics: metricsRegistry,
      features: [api?.feature, logStreams?.feature, logs, api && consoleFeature(log, consoleConfig(config))].filter((f) => f !== undefined),
      readiness: {
        ...api?.readiness,
        ...logStreams?.readiness,
        kafka: async () => void (await kafka.admin.describeCluster()),
        // A partition halted at a record this build must not skip, or past its dead-letter limit.
        consumers: processConsumerStatus.check,
        clickhouse: async () => {
          if (!(await ch.ping())) throw new Error('ping failed');
        },
      },
    });
    shutdown.add('http', () => app.close());
    await app.listen({ host: config.HOST, port: config.PORT });
    log.info({ roles: config.ROLES, brokers: kafka.brokers }, 'apptrail started');
    // After listen: the bootstrap waits for the projections, and the printed command needs the server up.
    if (api) {
      api.bootstrap().catch((err: unknown) => log.error({ err }, 'could not create the bootstrap client; `npm run token` still gives a development token'));
    }
  } catch (err) {
    log.fatal({ err }, 'start-up failed');
    await shutdown.shutdown('start-up failed');
    process.exit(1);
  }
}

await main();
