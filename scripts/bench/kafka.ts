/**
 * Records per second through the consumer runner (parse + validate each CloudEvent, hand batches
 * to a handler, commit after it) beside a bare kafkajs consumer (eachBatch, no parsing) reading the
 * same topic in the same run. Target: the runner keeps at least 80% of bare. Prints the load
 * average before and after: on a shared 2-core machine, figures from a busy minute are not comparable.
 * Env: BENCH_RECORDS (default 200,000), KAFKA_BROKERS (else a local broker is started for the run).
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { createEventCodec } from '../../shared/events/index.js';
import { createEventProducer, createKafka, ensureTopics, startConsumerRunner } from '../../shared/kafka/index.js';
import { createLogger } from '../../shared/log/index.js';
import { benchBrokers, fmt, printLoad } from './infra.js';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 200_000);
const PARTITIONS = 3;
const log = createLogger({ level: 'warn', name: 'bench' });
const catalog = {
  'client.updated': {
    version: 1,
    data: z.object({ client_id: z.string(), changes: z.record(z.string(), z.unknown()), actor: z.string() }),
  },
};
const codec = createEventCodec(catalog, '/apptrail/bench');

async function fill(kafka: Kafka, topic: string): Promise<void> {
  const producer = await createEventProducer(kafka, { maxBatch: 5000 });
  const sends: Promise<void>[] = [];
  for (let i = 0; i < RECORDS; i++) {
    const client_id = `c${i % 1000}`;
    const ev = codec.create('client.updated', { client_id, changes: { description: `v${i}`, callbacks: ['https://a.example/cb'] }, actor: 'bench|1' }, { subject: client_id });
    sends.push(producer.send(topic, codec.serialise(ev)));
    if (sends.length >= 20_000) await Promise.all(sends.splice(0));
  }
  await Promise.all(sends);
  await producer.disconnect();
}

async function bare(kafka: Kafka, topic: string): Promise<number> {
  const consumer = kafka.consumer({ groupId: `bare-${randomUUID()}`, maxBytesPerPartition: 4 * 1024 * 1024, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let n = 0;
  let started = 0;
  const done = new Promise<number>((resolve) => {
    void consumer.run({
      partitionsConsumedConcurrently: PARTITIONS,
      eachBatch: async ({ batch }) => {
        started ||= performance.now();
        n += batch.messages.length;
        if (n >= RECORDS) resolve(performance.now());
      },
    });
  });
  const end = await done;
  await consumer.disconnect();
  return RECORDS / ((end - started) / 1000);
}

async function runner(kafka: Kafka, topic: string, dlq: string, parse: (m: KafkaMessage) => unknown): Promise<number> {
  const producer = await createEventProducer(kafka);
  let n = 0;
  let started = 0;
  let finish!: (t: number) => void;
  const done = new Promise<number>((resolve) => (finish = resolve));
  const r = await startConsumerRunner({
    kafka,
    groupId: `runner-${randomUUID()}`,
    topics: [topic],
    parse,
    handle: async (records) => {
      started ||= performance.now();
      n += records.length;
      if (n >= RECORDS) finish(performance.now());
    },
    deadLetter: { topic: dlq, producer },
    log,
    partitionsConsumedConcurrently: PARTITIONS,
  });
  const end = await done;
  await r.stop();
  await producer.disconnect();
  return RECORDS / ((end - started) / 1000);
}

async function main(): Promise<void> {
  printLoad('before');
  const infra = await benchBrokers();
  const kafka = createKafka({ brokers: infra.brokers, clientId: 'bench', log });
  const admin = kafka.admin();
  await admin.connect();
  const topic = `bench-${randomUUID().slice(0, 8)}`;
  const dlq = `${topic}.dlq`;
  await ensureTopics(admin, [
    { name: topic, partitions: PARTITIONS, replicationFactor: 1, retentionMs: 3_600_000 },
    { name: dlq, partitions: 1, replicationFactor: 1, retentionMs: 3_600_000 },
  ]);
  try {
    const t0 = performance.now();
    await fill(kafka, topic);
    console.log(`produced ${fmt(RECORDS)} records in ${fmt((performance.now() - t0) / 1000, 1)} s (idempotent, acks=all, group-commit batching)`);
    // Alternate the two so neither profits from a warmer page cache or JIT.
    const runs = { bare: [] as number[], mechanics: [] as number[], parsed: [] as number[] };
    for (let i = 0; i < 2; i++) {
      runs.bare.push(await bare(kafka, topic));
      // The runner's own cost (batching, commit after handler, DLQ routing) with a pass-through parse…
      runs.mechanics.push(await runner(kafka, topic, dlq, (m) => m.value));
      // …and with what services really do per record: CloudEvent JSON parse + zod validation.
      runs.parsed.push(await runner(kafka, topic, dlq, (m) => codec.parse(m)));
    }
    const best = (xs: number[]) => Math.max(...xs);
    const line = (name: string, xs: number[]) =>
      console.log(`${name.padEnd(38)}: ${xs.map((x) => fmt(x)).join(', ')} records/s (best ${fmt(best(xs))}, ${fmt((best(xs) / best(runs.bare)) * 100, 1)}% of bare)`);
    line('bare kafkajs consumer (no parsing)', runs.bare);
    line('runner, pass-through parse', runs.mechanics);
    line('runner, CloudEvent parse + validation', runs.parsed);
    console.log(`target: runner mechanics >= 80% of bare`);
    console.log(`rss                   : ${fmt(process.memoryUsage().rss / 1048576)} MiB`);
  } finally {
    await admin.deleteTopics({ topics: [topic, dlq] }).catch(() => undefined);
    await admin.disconnect();
    await infra.stop();
    printLoad('after');
  }
}

await main();
