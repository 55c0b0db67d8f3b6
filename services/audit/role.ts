import type { Admin, Kafka } from 'kafkajs';
import type { Config } from '../../shared/config/index.js';
import type { ClickHouseHandle } from '../../shared/clickhouse/index.js';
import type { Logger } from '../../shared/log/index.js';
import type { Shutdown } from '../../shared/lifecycle/index.js';
import { createEventProducer, roleGroupId, type TopicNames } from '../../shared/kafka/index.js';
import { applyRetention } from '../../shared/audit/index.js';
import { startAuditConsumer } from './consumer.js';

export interface AuditRoleDeps {
  config: Config;
  kafka: Kafka;
  admin: Admin;
  names: TopicNames;
  ch: ClickHouseHandle;
  log: Logger;
  shutdown: Shutdown;
}

/**
 * The audit writer. The logs API that reads what it wrote is mounted by every process that serves
 * HTTP for the api or audit role (services/main.ts), so one base URL serves the whole Management API.
 */
export async function startAuditRole(deps: AuditRoleDeps): Promise<void> {
  const { config, ch, shutdown } = deps;
  await applyRetention(ch.client, config.AUDIT_RETENTION_DAYS);
  const producer = await createEventProducer(deps.kafka);
  shutdown.add('audit producer', () => producer.disconnect());
  const consumer = await startAuditConsumer({
    kafka: deps.kafka,
    admin: deps.admin,
    ch,
    names: deps.names,
    producer,
    log: deps.log,
    groupId: roleGroupId(config.KAFKA_TOPIC_PREFIX, 'audit'),
    fetch: { maxWaitMs: config.AUDIT_BATCH_MAX_MS, minBytes: config.AUDIT_BATCH_MIN_BYTES },
  });
  shutdown.add('audit consumer', () => consumer.stop());
}
