/**
 * An audit consumer in its own process, for tests that kill it. Env: KAFKA_BROKERS,
 * KAFKA_TOPIC_PREFIX, OUT_FILE, and CHDB_PATH (chDB) or CLICKHOUSE_URL/USER/PASSWORD/DATABASE (a server); CRASH_AFTER_INSERT=n makes the process SIGKILL itself
 * right after its n-th ClickHouse insert — after the rows are written, before the Kafka
 * transaction that publishes them and commits the offsets. Without it, the worker runs until it
 * has consumed everything on its input topics, writes every audit row (FINAL) to OUT_FILE, exits.
 */
import { writeFile } from 'node:fs/promises';
import { createKafka, createEventProducer, topicNames } from '../../shared/kafka/index.js';
import { createClickHouse, migrate } from '../../shared/clickhouse/index.js';
import { migrations } from '../../shared/migrations/index.js';
import { createLogger } from '../../shared/log/index.js';
import { startAuditConsumer, DEFAULT_AUDIT_GROUP } from '../../services/audit/consumer.js';

const log = createLogger({ level: 'info', name: 'audit-worker' });
const kafka = createKafka({ brokers: process.env.KAFKA_BROKERS!.split(','), clientId: 'audit-worker', log });
const names = topicNames(process.env.KAFKA_TOPIC_PREFIX!);
const admin = kafka.admin();
await admin.connect();
const ch = await createClickHouse(process.env.CLICKHOUSE_URL
  ? { url: process.env.CLICKHOUSE_URL, username: process.env.CLICKHOUSE_USER, password: process.env.CLICKHOUSE_PASSWORD, database: process.env.CLICKHOUSE_DATABASE!, dataPath: '' }
  : { database: 'apptrail', dataPath: process.env.CHDB_PATH! });
await migrate(ch, migrations);
const producer = await createEventProducer(kafka);
const crashAfter = Number(process.env.CRASH_AFTER_INSERT ?? 0);
let inserts = 0;
const consumer = await startAuditConsumer({
  kafka,
  admin,
  ch,
  names,
  producer,
  log,
  fetch: { maxWaitMs: 50 },
  // The broker's minimum: a killed worker's partitions come free quickly.
  sessionTimeoutMs: 6000,
  afterInsert: async () => {
    if (crashAfter > 0 && ++inserts >= crashAfter) process.kill(process.pid, 'SIGKILL');
  },
});

async function caughtUp(): Promise<boolean> {
  for (const topic of [names.clientEvents, names.logStreamEvents, names.auditRequests]) {
    const ends = await admin.fetchTopicOffsets(topic);
    const [done] = await admin.fetchOffsets({ groupId: DEFAULT_AUDIT_GROUP, topics: [topic] });
    for (const end of ends) {
      const committed = Number(done?.partitions.find((p) => p.partition === end.partition)?.offset ?? -1);
      if (Number(end.high) > 0 && committed < Number(end.high)) return false;
    }
  }
  return true;
}

const until = Date.now() + 60_000;
while (!(await caughtUp())) {
  if (Date.now() > until) throw new Error('audit worker did not catch up within 60 s');
  await new Promise((r) => setTimeout(r, 100));
}
await consumer.stop();
const rows = await (await ch.client.query({ query: 'SELECT * FROM audit_log FINAL ORDER BY log_id', format: 'JSONEachRow' })).json();
const [physical] = await (await ch.client.query({ query: 'SELECT count() AS n FROM audit_log', format: 'JSONEachRow' })).json<{ n: string }>();
await writeFile(process.env.OUT_FILE!, JSON.stringify({ rows, physicalRows: Number(physical?.n ?? 0) }));
await producer.disconnect();
await admin.disconnect();
await ch.close();
process.exit(0);
