// TopicProjection's waits when Kafka is unreachable, and its fold when a restarted consumer
// redelivers records it already applied (it resumes from its last commit).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { KafkaMessage } from 'kafkajs';
import { createKafka, ProjectionTimeoutError, TopicProjection, type ConsumedRecord } from '../../shared/kafka/index.js';
import { testLog } from '../helpers/kafka.js';
import { freePortPair } from '../helpers/app-process.js';

interface Rec {
  id: string;
  n: number;
}

/** Folds records into the list of what it applied, in order. */
class Recorder extends TopicProjection<Rec, number> {
  readonly applied: number[] = [];
  protected applyRecord(record: Rec): number {
    this.applied.push(record.n);
    return record.n;
  }
}

const record = (partition: number, offset: number): ConsumedRecord<Rec> => ({
  topic: 't',
  partition,
  offset: String(offset),
  message: { offset: String(offset) } as KafkaMessage,
  value: { id: `${partition}-${offset}`, n: offset },
});

/** An admin client whose broker is down: nothing listens on its port. */
async function unreachableAdmin() {
  const port = await freePortPair();
  return createKafka({ brokers: [`127.0.0.1:${port}`], clientId: 'projection-waits-test', log: testLog }).admin();
}

describe('projection waits while Kafka is unreachable', () => {
  it('catchUp rejects with ProjectionTimeoutError at its deadline instead of hanging on the end offsets', async () => {
    const projection = new Recorder(await unreachableAdmin(), 't');
    await assert.rejects(projection.catchUp(300), ProjectionTimeoutError);
    // A second caller shares the next fetch and gets its own deadline too.
    await assert.rejects(projection.catchUp(300), ProjectionTimeoutError);
  });

  it('an expect whose record never comes rejects when awaited and never as an unhandled rejection when dropped', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const projection = new Recorder(await unreachableAdmin(), 't');
      // What a command does when its send fails: it drops the wait it registered before sending.
      void projection.expect('dropped', 20);
      await assert.rejects(projection.expect('awaited', 20), ProjectionTimeoutError);
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

describe('projection fold under redelivery', () => {
  it('applies every offset exactly once, in order, whatever earlier offsets a restarted consumer delivers again', async () => {
    const admin = await unreachableAdmin();
    // Each step delivers a batch starting anywhere at or before the next new offset (a resume from an
    // older commit), so batches overlap what was applied already.
    const steps = fc.array(fc.record({ back: fc.nat(5), size: fc.integer({ min: 1, max: 6 }) }), { minLength: 1, maxLength: 30 });
    await fc.assert(
      fc.asyncProperty(steps, async (plan) => {
        const projection = new Recorder(admin, 't');
        let next = 0;
        for (const { back, size } of plan) {
          const from = Math.max(0, next - back);
          await projection.handle(Array.from({ length: size }, (_, i) => record(0, from + i)));
          next = Math.max(next, from + size);
        }
        assert.deepEqual(projection.applied, Array.from({ length: next }, (_, i) => i));
      }),
      { numRuns: 300 },
    );
  });

  it('wakes the expect of a record when it is applied', async () => {
    const projection = new Recorder(await unreachableAdmin(), 't');
    const waiting = projection.expect('0-3', 5_000);
    await projection.handle([record(0, 3)]);
    assert.equal(await waiting, 3);
  });
});
