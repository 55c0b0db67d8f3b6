import { randomUUID } from 'node:crypto';
import type { TestContext } from 'node:test';
import type { Admin, Kafka, KafkaMessage } from 'kafkajs';
import { createKafka, createEventProducer, ensureTopics, topicNames, topicSpecs, type EventProducer, type TopicNames } from '../../shared/kafka/index.js';
import { createLogger } from '../../shared/log/index.js';

export const testLog = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent', name: 'test' });

/** Brokers from the test runner (scripts/test.ts starts the local one); 127.0.0.1:9092 when run by hand. */
export function testBrokers(): string[] {
  return (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
}

export interface TestKafka {
  kafka: Kafka;
  admin: Admin;
  prefix: string;
  names: TopicNames;
  producer: EventProducer;
  unique(name: string): string;
}

/** A Kafka with its own topic prefix, so test files can run in parallel on one broker. */
export async function useKafka(t: TestContext | { after: (fn: () => Promise<void> | void) => void }, opts: { partitions?: number } = {}): Promise<TestKafka> {
  const prefix = `t-${randomUUID().slice(0, 8)}.`;
  const kafka = createKafka({ brokers: testBrokers(), clientId: 'apptrail-test', log: testLog });
  const admin = kafka.admin();
  await admin.connect();
  const names = topicNames(prefix);
  await ensureTopics(admin, topicSpecs(names, { partitions: opts.partitions ?? 3, replicationFactor: 1 }));
  const producer = await createEventProducer(kafka);
  t.after(async () => {
    await producer.disconnect();
    const mine = (await admin.listTopics()).filter((n) => n.startsWith(prefix));
    await admin.deleteTopics({ topics: mine }).catch(() => undefined);
    await admin.disconnect();
  });
  return { kafka, admin, prefix, names, producer, unique: (name) => `${prefix}${name}` };
}

/** Polls until `check` returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < until) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/**
 * Every record of a topic from the start (read_committed, kafkajs' default): at least `atLeast`
 * of them, or all up to the end offsets when not given. `settleMs` keeps reading a little longer,
 * so a duplicate that would follow is seen too.
 */
export async function readTopic(k: TestKafka, topic: string, opts: { atLeast?: number; settleMs?: number } = {}): Promise<KafkaMessage[]> {
  const atLeast = opts.atLeast ?? (await k.admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0);
  const seen: KafkaMessage[] = [];
  const consumer = k.kafka.consumer({ groupId: k.unique(`reader-${randomUUID().slice(0, 8)}`) });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void seen.push(message) });
  try {
    await eventually(() => (seen.length >= atLeast ? true : undefined), 30_000, `${atLeast} records on ${topic}`);
    if (opts.settleMs) await new Promise((r) => setTimeout(r, opts.settleMs));
  } finally {
    await consumer.disconnect();
  }
  return seen;
}
