/**
 * bench:audit, four figures, each beside its baseline where one exists:
 * 1. entries/s from clients.events into ClickHouse (and audit.log) for BENCH_AUDIT_EVENTS synthetic
 *    events (default 1,000,000), beside a bare kafkajs consumer of the same topic;
 * 2. freshness: from the API's 2xx to the entry being returned by GET /api/v2/logs, at 200 commands/s;
 * 3. GET /api/v2/logs p50/p99 for a client filter plus a date range on BENCH_LOG_ROWS rows (default 10M);
 * 4. export rate of ~1M entries through GET /api/v2/logs/export, with the process's peak RSS.
 * BENCH_AUDIT_ONLY=ingest (or freshness) runs that figure alone; BENCH_CPU_PROFILE=<file> profiles the audit consumer's run.
 * Aims: 50,000 entries/s and >= 25% of bare; freshness p99 < 1 s; query p99 < 100 ms.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Pool, request } from 'undici';
import { SignJWT } from 'jose';
import type { Kafka } from 'kafkajs';
import { createClickHouse, migrate, type ClickHouseHandle } from '../../shared/clickhouse/index.js';
import { migrations } from '../../shared/migrations/index.js';
import { createEventProducer, createKafka, ensureTopics, topicNames, topicSpecs } from '../../shared/kafka/index.js';
import { createLogger } from '../../shared/log/index.js';
import { createTokenVerifier, resolveSigningSecret } from '../../shared/auth/index.js';
import { loadConfig } from '../../shared/config/index.js';
import { startAuditConsumer, DEFAULT_AUDIT_GROUP } from '../../services/audit/consumer.js';
import { logsRoutes } from '../../services/audit/logs-routes.js';
import { buildApp } from '../../services/api/app.js';
import { produceClientEvents } from './audit-fixtures.js';
import { benchBrokers, createClientsAtRate, startBenchApp, fmt, percentile, pollLogCheckpoints, printLoad, withCpuProfile } from './infra.js';

const EVENTS = Number(process.env.BENCH_AUDIT_EVENTS ?? 1_000_000);
// `ingest` runs figure 1 only: the quick loop while working on the audit consumer.
/** `ingest` or `freshness`: that figure alone; unset: all four. */
const ONLY = process.env.BENCH_AUDIT_ONLY;
const LOG_ROWS = Number(process.env.BENCH_LOG_ROWS ?? 10_000_000);
const log = createLogger({ level: 'warn', name: 'bench' });

async function bareRate(kafka: Kafka, topic: string, total: number): Promise<number> {
  const consumer = kafka.consumer({ groupId: `bare-${randomUUID()}`, maxBytesPerPartition: 8 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let n = 0;
  let started = 0;
  const end = await new Promise<number>((resolve) => {
    void consumer.run({ partitionsConsumedConcurrently: 3, eachBatch: async ({ batch }) => {
      started ||= performance.now();
      n += batch.messages.length;
      if (n >= total) resolve(performance.now());
    } });
  });
  await consumer.disconnect();
  return total / ((end - started) / 1000);
}

/**
 * CPU time per thread name of this process (Linux /proc, clock ticks of 10 ms): which part of the
 * cost is the main thread, V8's GC helpers, libuv's pool (gzip) and the embedded engine's threads.
 */
function threadCpuMs(): Map<string, number> {
  const out = new Map<string, number>();
  let tasks: string[];
  try {
    tasks = readdirSync('/proc/self/task');
  } catch {
    return out;
  }
  for (const tid of tasks) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime and stime are fields 14 and 15 of stat(5), i.e. 11 and 12 after the name.
      const ms = (Number(fields[11]) + Number(fields[12])) * 10;
      const group = Number(tid) === process.pid ? 'main thread' : name.replace(/[\d_-]+$/, '');
      out.set(group, (out.get(group) ?? 0) + ms);
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

function cpuByThread(before: Map<string, number>, after: Map<string, number>, entries: number): string {
  return [...after]
    .map(([name, ms]) => [name, ms - (before.get(name) ?? 0)] as const)
    .filter(([, ms]) => ms > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([name, ms]) => `${name} ${fmt((ms * 1000) / entries, 1)}`)
    .join(', ');
}

interface AuditFigures {
  rate: number;
  /** CPU of the whole process (main thread, chDB's threads, libuv's gzip) per entry, in µs. */
  cpuUsPerEntry: number;
  /** Time the main thread was busy (event-loop utilisation × wall time) per entry, in µs. */
  mainUsPerEntry: number;
  /** CPU µs per entry by thread (Linux only). */
  byThread: string;
}

async function auditRate(kafka: Kafka, ch: ClickHouseHandle, prefix: string, total: number): Promise<AuditFigures> {
  const names = topicNames(prefix);
  const admin = kafka.admin();
  await admin.connect();
  const producer = await createEventProducer(kafka);
  let started = 0;
  let cpu0 = process.cpuUsage();
  let elu0 = performance.eventLoopUtilization();
  let threads0 = threadCpuMs();
  const consumer = await startAuditConsumer({
    kafka, admin, ch, names, producer, log,
    afterInsert: async () => {
      if (started) return;
      started = performance.now();
      cpu0 = process.cpuUsage();
      elu0 = performance.eventLoopUtilization();
      threads0 = threadCpuMs();
    },
  });
  for (;;) {
    await new Promise((r) => setTimeout(r, 100));
    const [o] = await admin.fetchOffsets({ groupId: DEFAULT_AUDIT_GROUP, topics: [names.clientEvents] });
    if ((o?.partitions ?? []).reduce((s, p) => s + Math.max(0, Number(p.offset)), 0) >= total) break;
  }
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpu0);
  const elu = performance.eventLoopUtilization(elu0);
  const byThread = cpuByThread(threads0, threadCpuMs(), total);
  await consumer.stop();
  await producer.disconnect();
  await admin.disconnect();
  return { rate: total / (wallMs / 1000), cpuUsPerEntry: (cpu.user + cpu.system) / total, mainUsPerEntry: (elu.utilization * wallMs * 1000) / total, byThread };
}

async function freshness(brokers: string[]): Promise<{ p50: number; p99: number; n: number }> {
  // Freshness of the pipeline itself: checkpoint pages without the horizon that holds back the newest entries.
  const app = await startBenchApp(brokers, 'fresh', { LOGS_CHECKPOINT_HORIZON_MS: '0' });
  try {
    const { origin, dataDir } = app;
    const config = loadConfig({ DATA_DIR: dataDir });
    const token = await new SignJWT({ scope: 'create:clients read:logs' }).setProtectedHeader({ alg: 'HS256' }).setSubject('bench').setAudience(config.AUTH_AUDIENCE).setExpirationTime('1h').sign(await resolveSigningSecret(config));
    const pool = new Pool(origin, { connections: 16 });
    const acked = new Map<string, number>();
    const seen = new Map<string, number>();
    // Set once the sends are done; the poller reads it meanwhile.
    const stopped: { at?: number } = {};
    // An entry is "fresh" when the checkpoint API first returns it.
    const poller = pollLogCheckpoints(pool, token, seen, { done: () => [...acked.keys()].every((id) => seen.has(id)), stoppedAt: () => stopped.at });
    await createClientsAtRate(pool, token, { rate: 200, seconds: Number(process.env.BENCH_FRESH_SECONDS ?? 15), name: 'fresh', acked });
    stopped.at = performance.now();
    await poller;
    await pool.close();
    const lags = [...acked].map(([id, t]) => (seen.get(id) ?? Number.POSITIVE_INFINITY) - t).sort((a, b) => a - b);
    return { p50: percentile(lags, 50), p99: percentile(lags, 99), n: lags.length };
  } finally {
    await app.stop();
  }
}

/** LOG_ROWS synthetic entries made inside the engine: 100 callers over 90 days of 2026. */
async function seedLogs(ch: ClickHouseHandle): Promise<void> {
  const days = 90;
  await ch.client.command({
    query: `INSERT INTO audit_log (log_id, date, type, description, client_id, user_id, ip, user_agent, target_client_id, target_client_name, details)
      SELECT concat(leftPad(toString(toUnixTimestamp64Milli(d)), 16, '0'), leftPad(toString(cityHash64(number) % 10000000000000000000), 40, '0')),
        d, if(number % 10 = 0, 'fapi', 'sapi'), 'Update a client', concat('caller-', toString(number % 100)), concat('auth0|user-', toString(number % 1000)),
        '10.0.0.1', 'bench', concat('target-', toString(number % 100000)), 'Target', '{"request":{"method":"patch"},"response":{"statusCode":200}}'
      FROM (SELECT number, toDateTime64('2026-01-01 00:00:00', 3, 'UTC') + toIntervalMillisecond(intDiv(number * {span:UInt64}, {rows:UInt64})) AS d FROM numbers({rows:UInt64}))`,
    query_params: { rows: LOG_ROWS, span: days * 86_400_000 },
  });
}

async function main(): Promise<void> {
  printLoad('before');
  const infra = await benchBrokers();
  const kafka = createKafka({ brokers: infra.brokers, clientId: 'bench-audit', log });
  const dataDir = mkdtempSync(join(tmpdir(), 'apptrail-bench-audit-'));
  let t = performance.now();
  try {
    // 1. Throughput
    if (ONLY === undefined || ONLY === 'ingest') {
    const prefix = `bench-audit-${randomUUID().slice(0, 8)}.`;
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, topicSpecs(topicNames(prefix), { partitions: 3, replicationFactor: 1 }));
    t = performance.now();
    await produceClientEvents(kafka, topicNames(prefix).clientEvents, EVENTS);
    console.log(`produced ${fmt(EVENTS)} clients.events records in ${fmt((performance.now() - t) / 1000, 1)} s`);
    const ch = await createClickHouse({ database: 'bench_audit', dataPath: dataDir });
    await migrate(ch, migrations);
    const bare = await bareRate(kafka, topicNames(prefix).clientEvents, EVENTS);
    const audit = await withCpuProfile(() => auditRate(kafka, ch, prefix, EVENTS));
    console.log(`bare kafkajs consumer            : ${fmt(bare)} records/s`);
    console.log(`audit consumer → ClickHouse+Kafka : ${fmt(audit.rate)} entries/s (${fmt((audit.rate / bare) * 100, 1)}% of bare; aim 50,000/s and >= 25%)`);
    console.log(`audit cost per entry             : ${fmt(audit.cpuUsPerEntry, 1)} µs process CPU, ${fmt(audit.mainUsPerEntry, 1)} µs main thread busy (wall)`);
    if (audit.byThread) console.log(`  CPU µs per entry by thread     : ${audit.byThread}`);
    await admin.deleteTopics({ topics: Object.values(topicNames(prefix)) }).catch(() => undefined);
    await admin.disconnect();
    await ch.close();
    }
    if (ONLY === 'ingest') return;

    // 2. Freshness
    const fresh = await freshness(infra.brokers);
    console.log(`freshness at 200 commands/s     : p50 ${fmt(fresh.p50)} ms, p99 ${fmt(fresh.p99)} ms over ${fmt(fresh.n)} creates (aim p99 < 1,000 ms)`);
    if (ONLY === 'freshness') return;

    // 3. Query latency on LOG_ROWS
    const chq = await createClickHouse({ database: 'bench_logs', dataPath: dataDir });
    await migrate(chq, migrations);
    t = performance.now();
    await seedLogs(chq);
    console.log(`seeded ${fmt(LOG_ROWS)} audit rows in ${fmt((performance.now() - t) / 1000, 1)} s`);
    const secret = new TextEncoder().encode('b'.repeat(32));
    const app = await buildApp({ log, verify: createTokenVerifier({ audience: 'bench', secret }), readiness: {}, features: [(a) => logsRoutes(a, { ch: chq })] });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const origin = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    const token = await new SignJWT({ scope: 'read:logs' }).setProtectedHeader({ alg: 'HS256' }).setSubject('bench').setAudience('bench').setExpirationTime('1h').sign(secret);
    const auth = { authorization: `Bearer ${token}` };
    const latencies: number[] = [];
    for (let i = 0; i < 220; i++) {
      const day = 1 + (i % 80);
      const from = new Date(Date.UTC(2026, 0, day)).toISOString().slice(0, 10);
      const to = new Date(Date.UTC(2026, 0, day + 7)).toISOString().slice(0, 10);
      const q = encodeURIComponent(`client_id:caller-${i % 100} AND date:[${from} TO ${to}]`);
      const started = performance.now();
      const res = await request(`${origin}/api/v2/logs?q=${q}&per_page=50`, { headers: auth });
      const body = (await res.body.json()) as unknown[];
      if (res.statusCode !== 200 || body.length === 0) throw new Error(`query failed: ${res.statusCode}`);
      if (i >= 20) latencies.push(performance.now() - started);
    }
    latencies.sort((a, b) => a - b);
    console.log(`GET /api/v2/logs on ${fmt(LOG_ROWS)} rows : p50 ${fmt(percentile(latencies, 50), 1)} ms, p99 ${fmt(percentile(latencies, 99), 1)} ms (client filter + 7-day range; aim p99 < 100 ms)`);

    // 4. Export ~1M entries (9 of 90 days of LOG_ROWS), streamed
    const q = encodeURIComponent('date:[2026-02-01 TO 2026-02-09]');
    let rssPeak = process.memoryUsage().rss;
    const rssBefore = rssPeak;
    t = performance.now();
    const res = await request(`${origin}/api/v2/logs/export?q=${q}`, { headers: auth });
    let lines = 0;
    let bytes = 0;
    for await (const chunk of res.body) {
      bytes += (chunk as Buffer).length;
      for (const b of chunk as Buffer) if (b === 10) lines++;
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    }
    const secs = (performance.now() - t) / 1000;
    console.log(`export ${fmt(lines)} entries (${fmt(bytes / 1048576)} MiB NDJSON) in ${fmt(secs, 1)} s: ${fmt(lines / secs)} entries/s; RSS ${fmt(rssBefore / 1048576)} → peak ${fmt(rssPeak / 1048576)} MiB`);
    await app.close();
    await chq.close();
  } finally {
    await infra.stop();
    printLoad('after');
  }
}

await main();
process.exit(0);
