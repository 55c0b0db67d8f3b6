// The whole audit path in this process, as the roles wire it: the clients API on a real broker,
// the audit consumer writing to ClickHouse (and audit.log), the exporter delivering audit.log to a
// local HTTP log stream receiver. `wrapClickHouse` lets a test put a fault in front of the
// handle the audit consumer writes through; reads (the test's own queries) use the real one.
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { migrate, type ClickHouseHandle } from '../../shared/clickhouse/index.js';
import { openTestClickHouse } from './clickhouse-target.js';
import { migrations } from '../../shared/migrations/index.js';
import { startAuditConsumer } from '../../services/audit/consumer.js';
import { testLog, useKafka, type TestKafka } from './kafka.js';
import { newDataDir, startTestApi, type TestApi } from './api.js';
import { startTestExporter, type TestExporter } from './exporter.js';
import { startHttpReceiver } from './receivers/index.js';
import type { Receiver } from './receivers/core.js';

export interface AuditSystem {
  k: TestKafka;
  api: TestApi;
  /** The real engine, for the test's reads. */
  ch: ClickHouseHandle;
  exporter: TestExporter;
  receiver: Receiver;
  streamId: string;
}

/**
 * ClickHouse (chDB under `dataDir`, or a database of its own on the harness's server; migrated) and the audit consumer writing to it on its own group; stopped
 * consumer first, so it is never left inserting into a closed engine. Returns the real engine.
 */
export async function startAuditWriter(
  t: TestContext,
  k: TestKafka,
  dataDir: string,
  wrapClickHouse?: (ch: Pick<ClickHouseHandle, 'client'>) => Pick<ClickHouseHandle, 'client'>,
): Promise<ClickHouseHandle> {
  const ch = await openTestClickHouse('audit_writer', join(dataDir, 'chdb'));
  await migrate(ch, migrations);
  const audit = await startAuditConsumer({ kafka: k.kafka, admin: k.admin, ch: wrapClickHouse ? wrapClickHouse(ch) : ch, names: k.names, producer: k.producer, log: testLog, groupId: k.unique('audit'), fetch: { maxWaitMs: 50 } });
  t.after(async () => {
    await audit.stop();
    await ch.dispose();
  });
  return ch;
}

export async function startAuditSystem(
  t: TestContext,
  opts: { wrapClickHouse?: (ch: Pick<ClickHouseHandle, 'client'>) => Pick<ClickHouseHandle, 'client'> } = {},
): Promise<AuditSystem> {
  const k = await useKafka(t);
  const dataDir = await newDataDir(t);
  const ch = await startAuditWriter(t, k, dataDir, opts.wrapClickHouse);
  const api = await startTestApi(t, k, { dataDir });
  const exporter = await startTestExporter(t, k, { dataDir });
  const receiver = await startHttpReceiver({ authorization: 'Bearer trail', format: 'JSONLINES' });
  t.after(() => receiver.close());
  const stream = await exporter.create({
    type: 'http',
    sink: { httpEndpoint: `${receiver.origin}/api/logs`, httpAuthorization: 'Bearer trail', httpContentFormat: 'JSONLINES' },
    startFrom: 'beginning',
  });
  await exporter.running(stream.id);
  return { k, api, ch, exporter, receiver, streamId: stream.id };
}
