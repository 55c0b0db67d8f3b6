/**
 * Start-up cost against history. For histories of N events over 1,000 clients (BENCH_HISTORIES,
 * default "0,1000000,3000000", about 10 minutes; "0,100000,300000" for a quick look), measures
 * - the whole process (`services/main.ts`, ROLES=api,audit, embedded chDB on the same data) from
 *   spawn to /readyz 200, and to the first correct GET /api/v2/clients/{id};
 * - API start-up to a caught-up clients projection: from the fold snapshot + tail, beside the
 *   baseline of folding clients.events from offset 0 (the path without a snapshot), same run;
 * - audit restart to the first new entry queryable in ClickHouse: from the snapshot, beside the
 *   baseline of re-reading from offset 0 up to the committed offset.
 * The snapshot is written with the audit service's own writeSnapshot from the fold of the history,
 * and the audit group's offsets are set to the end, as after an audit service processed it all.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Partitioners } from 'kafkajs';
import { createEventProducer, createKafka, ensureTopics, startProjectionRunner, topicNames, topicSpecs, type TopicNames } from '../../shared/kafka/index.js';
import { createClickHouse, migrate, type ClickHouseHandle } from '../../shared/clickhouse/index.js';
import { migrations } from '../../shared/migrations/index.js';
import { createLogger } from '../../shared/log/index.js';
import { createSecretBox } from '../../shared/crypto/secret-box.js';
import { ClientStateStore, decideCreate, decideUpdate, parseClientEventRecord, toClientEventRecord, type EventMeta } from '../../shared/clients/index.js';
import { makeLogId } from '../../shared/audit/index.js';
import { writeSnapshot } from '../../shared/fold/snapshot.js';
import { ClientProjection } from '../../services/api/clients/projection.js';
import { startAuditConsumer } from '../../services/audit/consumer.js';
import { freePortPair, startAppProcess } from '../../test/helpers/app-process.js';
import { benchBrokers, fmt, printLoad } from './infra.js';

const HISTORIES = (process.env.BENCH_HISTORIES ?? '0,1000000,3000000').split(',').map(Number);
const CLIENTS = 1000;
const PARTITIONS = 3;
const log = createLogger({ level: process.env.BENCH_LOG_LEVEL ?? 'warn', name: 'bench' });
const meta: EventMeta = { actor: 'bench|1', actorclient: 'bench', actorname: 'bench', requestid: 'r', ip: '127.0.0.1', useragent: 'bench', method: 'PATCH', path: '/api/v2/clients/x' };


const { brokers, stop } = await benchBrokers();
const kafka = createKafka({ brokers, clientId: 'bench-startup', log });
const admin = kafka.admin();
await admin.connect();
// DATA_DIR of the spawned process too: its embedded chDB opens <dir>/chdb, where this run wrote the snapshots.
const dir = await mkdtemp(join(tmpdir(), 'apptrail-bench-startup-'));
const secretsKey = Buffer.alloc(32, 9);
const openClickHouse = () => createClickHouse({ database: 'apptrail', dataPath: join(dir, 'chdb') });
let ch = await openClickHouse();
await migrate(ch, migrations);
const producer = await createEventProducer(kafka, { maxBatch: 5000 });
const box = createSecretBox(secretsKey);

/** A history of `events` events: CLIENTS creates, then description updates round-robin; returns the fold. */
async function fill(names: TopicNames, events: number): Promise<ClientStateStore> {
  const store = new ClientStateStore();
  const ids: string[] = [];
  const sends: Promise<void>[] = [];
  const secret = box.seal('bench-secret');
  for (let i = 0; i < Math.max(events, CLIENTS); i++) {
    const id = i < CLIENTS ? `bench-client-${i}` : ids[i % CLIENTS]!;
    const event = i < CLIENTS ? decideCreate({ name: `c${i}` } as never, { clientId: id, secretSealed: secret }) : decideUpdate(store.get(id), { description: `v${i}` });
    if (i < CLIENTS) ids.push(id);
    const built = toClientEventRecord(event, meta);
    store.apply({ event, time: built.time } as never);
    sends.push(producer.send(names.clientEvents, built.record));
    if (sends.length >= 20_000) await Promise.all(sends.splice(0));
  }
  await Promise.all(sends);
  return store;
}

async function endOffsets(topic: string): Promise<Map<number, bigint>> {
  return new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]));
}

/** The snapshot an audit service that processed the whole history would have left, and its offsets. */
async function leaveAuditState(names: TopicNames, store: ClientStateStore, group: string): Promise<void> {
  const ends = await endOffsets(names.clientEvents);
  const byPartition = new Map<number, Array<[string, string]>>();
  // The partition of each client, as the producer's default partitioner placed its records.
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata = [...ends.keys()].map((partitionId) => ({ partitionId, leader: 0, replicas: [0], isr: [0], partitionErrorCode: 0 }));
  const partitionOf = (key: string) => partitioner({ topic: names.clientEvents, partitionMetadata, message: { key, value: null } });
  for (const p of ends.keys()) byPartition.set(p, []);
  for (const s of store.live()) byPartition.get(partitionOf(s.client_id))!.push([s.client_id, JSON.stringify(s)]);
  for (const [p, states] of byPartition) await writeSnapshot(ch, names.clientEvents, p, ends.get(p)!, states);
  for (const topic of [names.clientEvents, names.logStreamEvents, names.auditRequests]) {
    const e = await endOffsets(topic);
    await admin.setOffsets({ groupId: group, topic, partitions: [...e].map(([partition, high]) => ({ partition, offset: high.toString() })) });
  }
}

async function apiStartMs(names: TopicNames, prefix: string, withSnapshot: boolean): Promise<number> {
  const started = performance.now();
  const projection = new ClientProjection(admin, names.clientEvents);
  if (withSnapshot) await projection.loadSnapshot(ch, names.clientEvents);
  const runner = await startProjectionRunner({
    kafka, projection, topic: names.clientEvents, topicPrefix: prefix, name: 'bench-api', parse: parseClientEventRecord,
    deadLetter: { topic: names.deadLetters, producer }, log, partitions: PARTITIONS,
  });
  for (;;) {
    try {
      await projection.catchUp(5_000);
      break;
    } catch {
      // still catching up
    }
  }
  const ms = performance.now() - started;
  await runner.stop();
  return ms;
}

async function auditFirstEntryMs(names: TopicNames, group: string, store: ClientStateStore, ch2: Pick<ClickHouseHandle, 'client'>): Promise<number> {
  const started = performance.now();
  const audit = await startAuditConsumer({ kafka, admin, ch: ch2, names, producer, log, groupId: group, fetch: { maxWaitMs: 50 } });
  const target = store.live()[0]!;
  const event = decideUpdate(target, { description: `after-restart-${Date.now()}` });
  const built = toClientEventRecord(event, meta);
  store.apply({ event, time: built.time } as never);
  await producer.send(names.clientEvents, built.record);
  const logId = makeLogId(Date.parse(built.time), `clients.events:${built.id}`);
  for (;;) {
    const rows = await (await ch.client.query({ query: 'SELECT count() AS n FROM audit_log FINAL WHERE log_id = {id:String}', query_params: { id: logId }, format: 'JSONEachRow' })).json<{ n: string }>();
    if (Number(rows[0]?.n) > 0) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const ms = performance.now() - started;
  await audit.stop();
  return ms;
}

/**
 * `services/main.ts` as an operator starts it, on this history: spawn → /readyz 200 → the first
 * GET of a client that answers its latest description. The embedded chDB admits one process, so
 * this run's handle is closed meanwhile.
 */
async function processStartMs(prefix: string, store: ClientStateStore): Promise<{ ready: number; read: number }> {
  await ch.close();
  const port = await freePortPair();
  const started = performance.now();
  const app = startAppProcess({
    ROLES: 'api,audit', KAFKA_BROKERS: brokers.join(','), KAFKA_TOPIC_PREFIX: prefix, KAFKA_PARTITIONS: String(PARTITIONS),
    DATA_DIR: dir, PORT: String(port), SECRETS_KEY: secretsKey.toString('base64'), LOG_LEVEL: process.env.BENCH_VERBOSE ? 'info' : 'warn', RATE_LIMIT_PER_SECOND: '0',
  });
  try {
    const token = await app.token();
    const target = store.live()[0]!;
    let ready = 0;
    for (;;) {
      if (!app.alive()) throw new Error(`the app exited: ${app.output().slice(-2000)}`);
      const answered = await fetch(`${app.origin}/readyz`).then((r) => r.status, () => 0);
      if (answered === 200) {
        ready ||= performance.now() - started;
        const r = await fetch(`${app.origin}/api/v2/clients/${target.client_id}`, { headers: { authorization: `Bearer ${token}` } });
        const body = (await r.json()) as { description?: string };
        if (r.status === 200 && body.description === target.config.description) return { ready, read: performance.now() - started };
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  } finally {
    if (process.env.BENCH_VERBOSE) console.error(app.output());
    await app.kill('SIGTERM');
    ch = await openClickHouse();
  }
}

/** The same ClickHouse minus the snapshot: a view of the handle whose snapshot reads find nothing. */
function withoutSnapshots(): Pick<ClickHouseHandle, 'client'> {
  return {
    client: new Proxy(ch.client, {
      get(target, prop, receiver) {
        if (prop !== 'query') {
          const value: unknown = Reflect.get(target, prop, receiver);
          // The client keeps private fields: its methods must run on it, not on the proxy.
          return typeof value === 'function' ? value.bind(target) : value;
        }
        return (args: Parameters<typeof target.query>[0]) =>
          target.query(String(args.query).includes('fold_snapshot') ? { ...args, query: String(args.query).replace('WHERE', 'WHERE 0 AND') } : args);
      },
    }),
  };
}

async function step<T>(what: string, run: () => Promise<T>): Promise<T> {
  if (process.env.BENCH_VERBOSE) console.error(`    ${what}…`);
  return run();
}

console.log(`bench:startup — ${CLIENTS} clients, ${PARTITIONS} partitions, histories ${HISTORIES.map((h) => fmt(h)).join(' / ')}`);
printLoad('before');
const rows: Array<{ history: number; procReady: number; procRead: number; apiSnap: number; apiZero: number; auditSnap: number; auditZero: number }> = [];
for (const history of HISTORIES) {
  const prefix = `bench-startup-${history}-${Date.now()}.`;
  const names = topicNames(prefix);
  await ensureTopics(admin, topicSpecs(names, { partitions: PARTITIONS, replicationFactor: 1 }));
  const filled = performance.now();
  const store = await fill(names, history);
  const groupSnap = `${prefix}audit-snap`;
  const groupZero = `${prefix}audit-zero`;
  await leaveAuditState(names, store, groupSnap);
  for (const topic of [names.clientEvents, names.logStreamEvents, names.auditRequests]) {
    const e = await endOffsets(topic);
    await admin.setOffsets({ groupId: groupZero, topic, partitions: [...e].map(([partition, high]) => ({ partition, offset: high.toString() })) });
  }
  console.log(`  history ${fmt(history)}: written and snapshotted in ${fmt((performance.now() - filled) / 1000, 1)} s`);
  const proc = await step('process start', () => processStartMs(prefix, store));
  const row = {
    history,
    procReady: proc.ready,
    procRead: proc.read,
    apiSnap: await step('api from snapshot', () => apiStartMs(names, prefix, true)),
    apiZero: await step('api from 0', () => apiStartMs(names, prefix, false)),
    auditSnap: await step('audit from snapshot', () => auditFirstEntryMs(names, groupSnap, store, ch)),
    auditZero: await step('audit from 0', () => auditFirstEntryMs(names, groupZero, store, withoutSnapshots())),
  };
  rows.push(row);
  console.log(`  history ${fmt(history)}: process spawn → /readyz ${fmt(row.procReady)} ms, → first correct read ${fmt(row.procRead)} ms; API ready ${fmt(row.apiSnap)} ms from the snapshot (baseline from offset 0: ${fmt(row.apiZero)} ms); audit restart → first new entry ${fmt(row.auditSnap)} ms (baseline ${fmt(row.auditZero)} ms)`);
}
const base = rows[0]!;
console.log('\n| history (events) | process → /readyz | × empty | process → first read | × empty | API ready, snapshot | × empty | API ready, from 0 (baseline) | × empty | audit restart → entry, snapshot | × empty | audit, from 0 (baseline) | × empty |');
console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  const x = (v: number, b: number) => fmt(v / b, 2);
  console.log(`| ${fmt(r.history)} | ${fmt(r.procReady)} ms | ${x(r.procReady, base.procReady)} | ${fmt(r.procRead)} ms | ${x(r.procRead, base.procRead)} | ${fmt(r.apiSnap)} ms | ${x(r.apiSnap, base.apiSnap)} | ${fmt(r.apiZero)} ms | ${x(r.apiZero, base.apiZero)} | ${fmt(r.auditSnap)} ms | ${x(r.auditSnap, base.auditSnap)} | ${fmt(r.auditZero)} ms | ${x(r.auditZero, base.auditZero)} |`);
}
console.log('');
printLoad('after');
await producer.disconnect();
await admin.disconnect();
await ch.close();
await rm(dir, { recursive: true, force: true });
await stop();
process.exit(0);
