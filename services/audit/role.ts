import type { Admin, Kafka } from 'kafkajs';
import type { Config } from '../../shared/config/index.js';
import type { ClickHouseHandle } from '../../shared/clickhouse/index.js';
import type { Logger } from '../../shared/log/index.js';
import type { Shutdown } from '../../shared/lifecycle/index.js';
import { createEventProducer, roleGroupId, type TopicNames } from '../../shared/kafka/index.js';
import { applyRetention } from '../../shared/audit/index.js';
import { startAuditConsumer } from './consumer.js';
import { startCheckpointer } from './checkpointer.js';
import type { Checkpoint, CheckpointKey } from '../../shared/audit/checkpoint.js';

export interface AuditRoleDeps {
  config: Config;
  kafka: Kafka;
  admin: Admin;
  names: TopicNames;
  ch: ClickHouseHandle;
  log: Logger;
  shutdown: Shutdown;
  /** Signs the checkpoints; the logs API verifies with the same key, so the caller loads it once for both. */
  checkpointKey: CheckpointKey;
}

/**
 * The audit writer and the checkpointer that signs its chain heads. The logs API that reads what
 * they wrote is mounted by every process that serves HTTP for the api or audit role
 * (services/main.ts), so one base URL serves the whole Management API; `checkpoint` signs one on
 * demand where this role runs (only here are the chain heads known).
 */
export async function startAuditRole(deps: AuditRoleDeps): Promise<{ checkpoint: () => Promise<Checkpoint> }> {
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
  const checkpointer = startCheckpointer({
    ch,
    producer,
    topic: deps.names.auditCheckpoints,
    key: deps.checkpointKey,
    heads: consumer.heads,
    intervalMs: config.AUDIT_CHECKPOINT_INTERVAL_MS,
    log: deps.log.child({ role: 'audit' }),
  });
  // Registered after the consumer, so it stops first (shutdown runs in reverse order).
  shutdown.add('audit checkpointer', () => checkpointer.stop());
  return { checkpoint: checkpointer.checkpoint };
}
