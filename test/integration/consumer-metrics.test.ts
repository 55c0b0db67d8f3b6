// The consumer runner's metrics move with what it does: handled records, and dead letters by topic.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import type { KafkaMessage } from 'kafkajs';
import { createEventCodec } from '../../shared/events/index.js';
import { RetryBatchError, startConsumerRunner, TopicProjection } from '../../shared/kafka/index.js';
import { metricsRegistry } from '../../shared/metrics/index.js';
import { eventually, testLog, useKafka } from '../helpers/kafka.js';

const catalog = { 'test.counted': { version: 1, data: z.object({ key: z.string(), n: z.number().int() }) } };
const codec = createEventCodec(catalog, '/apptrail/test');

async function value(series: string): Promise<number> {
  const line = (await metricsRegistry.metrics()).split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

describe('consumer runner metrics', () => {
  it('counts handled records and dead letters by group and topic', async (t) => {
    const k = await useKafka(t);
    const topic = k.names.clientEvents;
    const groupId = k.unique('metrics');
    for (const n of [1, 2, 3]) await k.producer.send(topic, codec.serialise(codec.create('test.counted', { key: 'a', n }, { subject: 'a' })));
    await k.producer.send(topic, { key: 'a', value: Buffer.from('{"not":"json'), headers: { 'content-type': 'application/cloudevents+json' } });
    const labels = `group="${groupId}",topic="${topic}"`;
    const handled = `apptrail_consumer_records_handled_total{${labels}}`;
    const dead = `apptrail_dead_letters_total{${labels},dead_letter_topic="${k.names.deadLetters}"}`;
    assert.equal(await value(handled), 0);
    const r = await startConsumerRunner({
      kafka: k.kafka,
      groupId,
      topics: [topic],
      parse: (m: KafkaMessage) => codec.parse(m),
      handle: async () => undefined,
      deadLetter: { topic: k.names.deadLetters, producer: k.producer },
      log: testLog,
      retry: { minMs: 20, maxMs: 200 },
    });
    t.after(() => r.stop());
    await eventually(async () => ((await value(handled)) === 3 && (await value(dead)) === 1 ? true : undefined), 30_000, '3 handled, 1 dead letter');
    assert.match(await metricsRegistry.metrics(), /^apptrail_consumer_groups_joining \d+$/m);
  });

  it('shows each partition\'s position and lag: the lag stays while a batch is retried and falls to 0 once it is handled', async (t) => {
    const k = await useKafka(t);
    const topic = k.names.clientEvents;
    const groupId = k.unique('lag');
    // One key, so one partition; all five are written before the consumer starts: one batch.
    for (const n of [1, 2, 3, 4, 5]) await k.producer.send(topic, codec.serialise(codec.create('test.counted', { key: 'k', n }, { subject: 'k' })));
    let dependencyUp = false;
    let partition: number | undefined;
    const r = await startConsumerRunner({
      kafka: k.kafka,
      groupId,
      topics: [topic],
      parse: (m: KafkaMessage) => codec.parse(m),
      handle: async (records) => {
        partition = records[0]!.partition;
        if (!dependencyUp) throw new RetryBatchError('dependency down');
      },
      deadLetter: { topic: k.names.deadLetters, producer: k.producer },
      log: testLog,
      retry: { minMs: 20, maxMs: 100 },
    });
    t.after(() => r.stop());
    const series = (name: string) => `${name}{group="${groupId}",topic="${topic}",partition="${partition}"}`;
    await eventually(async () => (partition !== undefined && (await value(series('apptrail_consumer_lag'))) === 5 ? true : undefined), 30_000, 'lag 5 while the batch is retried');
    assert.equal(await value(series('apptrail_consumer_position')), 0);
    dependencyUp = true;
    await eventually(async () => ((await value(series('apptrail_consumer_position'))) === 5 ? true : undefined), 30_000, 'position 5 once handled');
    assert.equal(await value(series('apptrail_consumer_lag')), 0);
  });

  it('times a projection\'s catch-up, by topic, once it holds what was written before the call', async (t) => {
    const k = await useKafka(t);
    const topic = k.names.clientEvents;
    await k.producer.send(topic, codec.serialise(codec.create('test.counted', { key: 'c', n: 1 }, { subject: 'c' })));
    class Noop extends TopicProjection<{ id: string }, void> {
      protected applyRecord(): void {}
    }
    const projection = new Noop(k.admin, topic);
    const count = `apptrail_projection_catch_up_seconds_count{topic="${topic}"}`;
    const before = await value(count);
    const caughtUp = projection.catchUp(10_000);
    // Not before the record is applied: the projection has not caught up yet.
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(await value(count), before);
    const written = (await k.admin.fetchTopicOffsets(topic)).find((o) => o.high === '1')!;
    await projection.handle([{ topic, partition: written.partition, offset: '0', message: { offset: '0' } as KafkaMessage, value: { id: 'c' } }]);
    await caughtUp;
    assert.equal(await value(count), before + 1);
  });
});
