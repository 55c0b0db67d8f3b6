/**
 * The consumer runner's failure policy on a real broker: what fails for good is isolated to the
 * one record and dead-lettered while its neighbours go through exactly once; what fails for a
 * while is retried; a newer schema or too many dead letters halt the partition, loudly.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { z } from 'zod';
import type { KafkaMessage } from 'kafkajs';
import { createEventCodec, PoisonRecordError } from '../../shared/events/index.js';
import { ConsumerStatusBoard, DLQ_HEADERS, startConsumerRunner, type ConsumedRecord, type ConsumerRunner, type DlqLimit } from '../../shared/kafka/index.js';
import { eventually, readTopic, testLog, useKafka, type TestKafka } from '../helpers/kafka.js';

const catalog = { 'test.counted': { version: 1, data: z.object({ key: z.string(), n: z.number().int() }) } };
const codec = createEventCodec(catalog, '/apptrail/test');
type Counted = ReturnType<typeof codec.parse>;

async function produce(k: TestKafka, topic: string, ns: number[]): Promise<void> {
  for (const n of ns) await k.producer.send(topic, codec.serialise(codec.create('test.counted', { key: 'k', n }, { subject: 'k' })));
}

async function committed(k: TestKafka, groupId: string, topic: string): Promise<number> {
  const [t] = await k.admin.fetchOffsets({ groupId, topics: [topic] });
  return (t?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
}

function start(
  k: TestKafka,
  group: string,
  handle: (r: ConsumedRecord<Counted>[]) => Promise<void>,
  extra: { status?: ConsumerStatusBoard; dlqLimit?: DlqLimit; onPoison?: (r: ConsumedRecord<Counted>, e: unknown) => Promise<void> } = {},
): Promise<ConsumerRunner> {
  return startConsumerRunner<Counted>({
    kafka: k.kafka,
    groupId: group,
    topics: [k.names.clientEvents],
    parse: (m: KafkaMessage) => codec.parse(m),
    handle,
    deadLetter: { topic: k.names.deadLetters, producer: k.producer },
    log: testLog,
    retry: { minMs: 5, maxMs: 50 },
    unknownFailureRepeats: 3,
    ...extra,
  });
}

const deadOffsets = (dead: KafkaMessage[]) => dead.map((d) => Number(d.headers![DLQ_HEADERS.offset]!.toString())).sort((a, b) => a - b);

describe('consumer failure policy', () => {
  it('isolates any set of poison records: each is dead-lettered once, every other record is handled exactly once (generated)', async (t) => {
    const k = await useKafka(t, { partitions: 1 });
    const topic = k.names.clientEvents;
    // One topic for every run: each run appends its own records and its own group reads them.
    let base = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 40 }).chain((size) => fc.tuple(fc.constant(size), fc.uniqueArray(fc.integer({ min: 0, max: size - 1 }), { maxLength: Math.min(4, size) }))),
        fc.constantFrom('deterministic', 'unknown'),
        async ([size, poisonIdx], kind) => {
          const ns = Array.from({ length: size }, (_, i) => base + i);
          const poison = new Set(poisonIdx.map((i) => base + i));
          const from = base;
          base += size;
          await produce(k, topic, ns);
          const group = k.unique(`iso-${from}`);
          const effects = new Map<number, number>();
          let poisonCalls = 0;
          const r = await start(
            k,
            group,
            async (records) => {
              const mine = records.filter((x) => x.value.data.n >= from);
              // All or nothing, like a real insert: a batch with a poison record has no effect.
              const bad = mine.find((x) => poison.has(x.value.data.n));
              if (bad) throw kind === 'deterministic' ? new PoisonRecordError(`refused ${bad.value.data.n}`) : new Error(`odd failure at n=${bad.value.data.n}`);
              for (const x of mine) effects.set(x.value.data.n, (effects.get(x.value.data.n) ?? 0) + 1);
            },
            { dlqLimit: { maxConsecutive: 100, maxInvalidRatio: 1, minRecords: 1 }, onPoison: async () => void poisonCalls++ },
          );
          try {
            await eventually(async () => ((await committed(k, group, topic)) >= base ? true : undefined), 60_000, `group ${group} to commit ${base}`);
          } finally {
            await r.stop();
          }
          for (const n of ns) assert.equal(effects.get(n) ?? 0, poison.has(n) ? 0 : 1, `effects of ${n}`);
          assert.equal(poisonCalls, poison.size, 'onPoison once per poison record');
          const dead = (await readTopic(k, k.names.deadLetters, { settleMs: 200 })).filter((d) => d.headers![DLQ_HEADERS.group]!.toString() === group);
          assert.deepEqual(deadOffsets(dead), [...poison].sort((a, b) => a - b), 'exactly the poison records are dead-lettered');
          if (dead.length > 0) assert.match(dead[0]!.headers![DLQ_HEADERS.error]!.toString(), kind === 'deterministic' ? /PoisonRecordError: refused/ : /odd failure/);
        },
      ),
      { numRuns: 8 },
    );
  });

  it('retries transient failures in place for as long as they last, dead-lettering nothing', async (t) => {
    const k = await useKafka(t, { partitions: 1 });
    const topic = k.names.clientEvents;
    await produce(k, topic, [0, 1, 2, 3, 4]);
    const group = k.unique('transient');
    let failures = 0;
    const handled: number[] = [];
    const r = await start(k, group, async (records) => {
      if (failures < 12) {
        failures++;
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' });
      }
      handled.push(...records.map((x) => x.value.data.n));
    });
    t.after(() => r.stop());
    await eventually(async () => ((await committed(k, group, topic)) === 5 ? true : undefined), 30_000, 'commit after the outage');
    assert.equal(failures, 12, 'retried through every failure; never split (a split would have called with smaller slices)');
    assert.deepEqual(handled, [0, 1, 2, 3, 4]);
    const end = await k.admin.fetchTopicOffsets(k.names.deadLetters);
    assert.equal(end.reduce((s, p) => s + Number(p.high), 0), 0, 'no dead letters');
  });

  it('never mistakes an outage with an unclassified error for poison: when the fallback fails too, the record is retried, not dead-lettered', async (t) => {
    const k = await useKafka(t, { partitions: 1 });
    const topic = k.names.clientEvents;
    await produce(k, topic, [0, 1, 2, 3, 4, 5]);
    const group = k.unique('hung');
    // A dependency that hangs with an error nobody classified, for a while, for every call.
    const until = Date.now() + 2_000;
    const hung = () => {
      if (Date.now() < until) throw new Error('the dependency hung (unclassified)');
    };
    const handled: number[] = [];
    let fallbacks = 0;
    const r = await start(
      k,
      group,
      async (records) => {
        hung();
        handled.push(...records.map((x) => x.value.data.n));
      },
      {
        onPoison: async () => {
          fallbacks++;
          hung();
          throw new Error('a fallback that succeeds after the outage would be a degraded entry: not wanted here');
        },
      },
    );
    t.after(() => r.stop());
    await eventually(async () => ((await committed(k, group, topic)) === 6 ? true : undefined), 60_000, 'everything handled after the outage');
    assert.ok(fallbacks > 0, 'the outage was long enough to isolate a record');
    assert.deepEqual([...new Set(handled)].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5], 'every record handled by the handler itself');
    const end = await k.admin.fetchTopicOffsets(k.names.deadLetters);
    assert.equal(end.reduce((s, p) => s + Number(p.high), 0), 0, 'nothing dead-lettered');
  });

  it('halts the partition at the dead-letter limit instead of emptying it into the dead-letter topic', async (t) => {
    const k = await useKafka(t, { partitions: 1 });
    const topic = k.names.clientEvents;
    await produce(k, topic, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const group = k.unique('limit');
    const status = new ConsumerStatusBoard();
    const handled: number[] = [];
    // A bad deploy: everything from n=2 on fails alike.
    const r = await start(
      k,
      group,
      async (records) => {
        if (records.some((x) => x.value.data.n >= 2)) throw new PoisonRecordError('bad deploy');
        handled.push(...records.map((x) => x.value.data.n));
      },
      { status, dlqLimit: { maxConsecutive: 3, maxInvalidRatio: 1, minRecords: 1 } },
    );
    t.after(() => r.stop());
    const halt = await eventually(() => status.list()[0], 30_000, 'halt');
    assert.equal(halt.offset, '5', 'halted at the first record beyond the limit');
    assert.match(halt.reason, /dead-letter limit/);
    await assert.rejects(status.check(), /halted/);
    await new Promise((res) => setTimeout(res, 500));
    assert.deepEqual(handled, [0, 1]);
    assert.equal(await committed(k, group, topic), 5, 'committed up to the halted record, not past it');
    const dead = await readTopic(k, k.names.deadLetters, { settleMs: 300 });
    assert.deepEqual(deadOffsets(dead), [2, 3, 4]);
  });

  it('stops at an event of a newer schema version (rolling deploy) instead of dead-lettering it, and handles what came before', async (t) => {
    const k = await useKafka(t, { partitions: 1 });
    const topic = k.names.clientEvents;
    await produce(k, topic, [0, 1]);
    const newer = codec.create('test.counted', { key: 'k', n: 2 }, { subject: 'k' });
    await k.producer.send(topic, codec.serialise({ ...newer, schemaversion: 2 }));
    await produce(k, topic, [3]);
    const group = k.unique('newer');
    const status = new ConsumerStatusBoard();
    const handled: number[] = [];
    const r = await start(k, group, async (records) => void handled.push(...records.map((x) => x.value.data.n)), { status });
    t.after(() => r.stop());
    const halt = await eventually(() => status.list()[0], 30_000, 'halt');
    assert.equal(halt.offset, '2');
    assert.match(halt.reason, /schemaversion 2 is newer than this build reads \(1\)/);
    await eventually(async () => ((await committed(k, group, topic)) === 2 ? true : undefined), 10_000, 'commit of what came before');
    await new Promise((res) => setTimeout(res, 500));
    assert.deepEqual(handled, [0, 1], 'nothing after the newer record');
    const end = await k.admin.fetchTopicOffsets(k.names.deadLetters);
    assert.equal(end.reduce((s, p) => s + Number(p.high), 0), 0, 'the newer record is not dead-lettered');

    // A build that reads version 2 (here: the same group with a catalog at version 2) moves on.
    await r.stop();
    const v2 = createEventCodec({ 'test.counted': { version: 2, data: catalog['test.counted'].data, upcast: { 1: (d: unknown) => d } } }, '/apptrail/test');
    const after: number[] = [];
    const r2 = await startConsumerRunner<Counted>({
      kafka: k.kafka, groupId: group, topics: [topic], parse: (m) => v2.parse(m) as Counted, log: testLog, status,
      handle: async (records) => void after.push(...records.map((x) => x.value.data.n)),
      deadLetter: { topic: k.names.deadLetters, producer: k.producer },
    });
    t.after(() => r2.stop());
    await eventually(() => (after.length === 2 ? true : undefined), 30_000, 'newer build resumes');
    assert.deepEqual(after, [2, 3]);
    assert.equal(status.list().length, 0, 'readiness recovers with the newer build');
  });
});
