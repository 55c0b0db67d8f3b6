import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import type { KafkaMessage } from 'kafkajs';
import { createEventCodec } from '../../shared/events/index.js';
import { DLQ_HEADERS, ensureTopics, startConsumerRunner, type ConsumedRecord, type ConsumerRunner } from '../../shared/kafka/index.js';
import { eventually, testLog, useKafka, type TestKafka } from '../helpers/kafka.js';

const catalog = { 'test.counted': { version: 1, data: z.object({ key: z.string(), n: z.number().int() }) } };
const codec = createEventCodec(catalog, '/apptrail/test');
type Counted = ReturnType<typeof codec.parse>;

async function produce(k: TestKafka, topic: string, items: Array<{ key: string; n: number }>): Promise<void> {
  await Promise.all(items.map((d) => k.producer.send(topic, codec.serialise(codec.create('test.counted', d, { subject: d.key })))));
}

function runner(k: TestKafka, topic: string, groupId: string, handle: (r: ConsumedRecord<Counted>[]) => Promise<void>): Promise<ConsumerRunner> {
  return startConsumerRunner<Counted>({
    kafka: k.kafka,
    groupId,
    topics: [topic],
    parse: (m: KafkaMessage) => codec.parse(m),
    handle,
    deadLetter: { topic: k.names.deadLetters, producer: k.producer },
    log: testLog,
    retry: { minMs: 20, maxMs: 200 },
  });
}

async function committed(k: TestKafka, groupId: string, topic: string): Promise<number> {
  const [t] = await k.admin.fetchOffsets({ groupId, topics: [topic] });
  return (t?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
}

describe('consumer runner on a real broker', () => {
  it('keeps the order of each key through produce and consume', async (t) => {
    const k = await useKafka(t);
    const topic = k.names.clientEvents;
    const items = Array.from({ length: 400 }, (_, i) => ({ key: `client-${i % 10}`, n: i }));
    // Sequential per key, concurrent across keys: the producer batches them together.
    await produce(k, topic, items);
    const seen = new Map<string, number[]>();
    const r = await runner(k, topic, k.unique('order'), async (records) => {
      for (const rec of records) seen.set(rec.value.data.key, [...(seen.get(rec.value.data.key) ?? []), rec.value.data.n]);
    });
    t.after(() => r.stop());
    await eventually(() => ([...seen.values()].flat().length >= 400 ? true : undefined), 30_000, '400 records');
    for (const [key, ns] of seen) {
      assert.deepEqual(ns, [...ns].sort((a, b) => a - b), `order of ${key}`);
      assert.equal(ns.length, 40);
    }
  });

  it('commits nothing when the handler throws, and redelivers the same batch', async (t) => {
    const k = await useKafka(t, { partitions: 1 });
    const topic = k.names.clientEvents;
    const group = k.unique('throws');
    await produce(k, topic, [{ key: 'a', n: 1 }, { key: 'a', n: 2 }, { key: 'a', n: 3 }]);
    const deliveries: number[][] = [];
    let offsetsWhileFailing = -1;
    const r = await runner(k, topic, group, async (records) => {
      deliveries.push(records.map((x) => x.value.data.n));
      if (deliveries.length === 1) {
        offsetsWhileFailing = await committed(k, group, topic);
        throw new Error('dependency down');
      }
    });
    t.after(() => r.stop());
    await eventually(async () => ((await committed(k, group, topic)) === 3 ? true : undefined), 30_000, 'commit after success');
    assert.equal(offsetsWhileFailing, 0, 'nothing committed while the handler failed');
    assert.deepEqual(deliveries[0], [1, 2, 3]);
    assert.deepEqual(deliveries[1], [1, 2, 3], 'the same batch came again');
  });

  it('sends a malformed record to the dead-letter topic and keeps handling the ones after it', async (t) => {
    const k = await useKafka(t, { partitions: 1 });
    const topic = k.names.clientEvents;
    await produce(k, topic, [{ key: 'a', n: 1 }]);
    await k.producer.send(topic, { key: 'a', value: Buffer.from('{"not":"json'), headers: { 'content-type': 'application/cloudevents+json' } });
    await k.producer.send(topic, codec.serialise(codec.create('test.counted', { key: 'a', n: -0.5 } as never, { subject: 'a' })));
    await produce(k, topic, [{ key: 'a', n: 2 }]);

    const handled: number[] = [];
    const r = await runner(k, topic, k.unique('dlq'), async (records) => {
      handled.push(...records.map((x) => x.value.data.n));
    });
    t.after(() => r.stop());

    const dead: KafkaMessage[] = [];
    const dlqConsumer = k.kafka.consumer({ groupId: k.unique('dlq-reader') });
    await dlqConsumer.connect();
    await dlqConsumer.subscribe({ topic: k.names.deadLetters, fromBeginning: true });
    await dlqConsumer.run({ eachMessage: async ({ message }) => void dead.push(message) });
    t.after(() => dlqConsumer.disconnect());

    await eventually(() => (handled.length === 2 && dead.length === 2 ? true : undefined), 30_000, 'handled + dead letters');
    assert.deepEqual(handled, [1, 2]);
    assert.equal(dead[0]!.value!.toString(), '{"not":"json', 'original bytes kept');
    assert.equal(dead[0]!.headers![DLQ_HEADERS.topic]!.toString(), topic);
    assert.equal(dead[0]!.headers![DLQ_HEADERS.offset]!.toString(), '1');
    assert.match(dead[0]!.headers![DLQ_HEADERS.error]!.toString(), /PoisonRecordError: not a CloudEvent/);
    assert.match(dead[1]!.headers![DLQ_HEADERS.error]!.toString(), /invalid data: n:/);
  });

  it('finishes and commits the batch in hand when stopped', async (t) => {
    const k = await useKafka(t, { partitions: 1 });
    const topic = k.names.clientEvents;
    const group = k.unique('graceful');
    await produce(k, topic, Array.from({ length: 50 }, (_, n) => ({ key: 'a', n })));
    let release!: () => void;
    const inHandler = new Promise<void>((resolve) => (release = resolve));
    let handled = 0;
    const r = await runner(k, topic, group, async (records) => {
      release();
      await new Promise((res) => setTimeout(res, 500));
      handled += records.length;
    });
    await inHandler;
    await r.stop();
    assert.equal(handled, 50);
    assert.equal(await committed(k, group, topic), 50, 'what was handled is committed');

    // A successor in the same group starts after the committed position: nothing comes twice.
    await produce(k, topic, [{ key: 'a', n: 50 }]);
    const again: number[] = [];
    const r2 = await runner(k, topic, group, async (records) => void again.push(...records.map((x) => x.value.data.n)));
    t.after(() => r2.stop());
    await eventually(() => (again.length > 0 ? true : undefined), 30_000, 'successor');
    assert.deepEqual(again, [50]);
  });

  it('creates topics idempotently', async (t) => {
    const k = await useKafka(t);
    const spec = { name: k.unique('idem'), partitions: 2, replicationFactor: 1, retentionMs: -1 };
    assert.deepEqual(await ensureTopics(k.admin, [spec]), [spec.name]);
    assert.deepEqual(await ensureTopics(k.admin, [spec]), []);
    const meta = await k.admin.fetchTopicMetadata({ topics: [spec.name] });
    assert.equal(meta.topics[0]!.partitions.length, 2);
  });
});
