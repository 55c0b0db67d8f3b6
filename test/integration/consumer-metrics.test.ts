// The consumer runner's metrics move with what it does: handled records, and dead letters by topic.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import type { KafkaMessage } from 'kafkajs';
import { createEventCodec } from '../../shared/events/index.js';
import { startConsumerRunner } from '../../shared/kafka/index.js';
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
});
