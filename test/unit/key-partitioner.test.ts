// The audit writer's partitioner puts every key where kafkajs' DefaultPartitioner (Kafka's Java
// murmur2) puts it: a faster murmur2 must never move an entry to another partition.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { KeyHashPartitioner, murmur2 } from '../../shared/kafka/key-partitioner.js';

const require = createRequire(import.meta.url);
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2.js') as (key: Buffer | string) => number;

const partitions = (n: number, down: number[] = []): PartitionMetadata[] =>
  Array.from({ length: n }, (_, partitionId) => ({ partitionId, leader: down.includes(partitionId) ? -1 : 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));

describe('KeyHashPartitioner', () => {
  it('computes the murmur2 kafkajs computes, for any bytes (generated)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => assert.equal(murmur2(bytes), kafkajsMurmur2(Buffer.from(bytes)))),
      { numRuns: 3000 },
    );
  });

  it('places every keyed message where DefaultPartitioner does, whatever partitions are down (generated)', () => {
    const ours = KeyHashPartitioner();
    const theirs = Partitioners.DefaultPartitioner();
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.stringMatching(/^[0-9]{56}$/)), fc.integer({ min: 1, max: 64 }), fc.array(fc.nat(63)), (key, n, down) => {
        const args = { topic: 't', partitionMetadata: partitions(n, down), message: { key, value: 'v' } };
        assert.equal(ours(args), theirs(args));
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps an explicit partition', () => {
    assert.equal(KeyHashPartitioner()({ topic: 't', partitionMetadata: partitions(3), message: { key: 'k', value: 'v', partition: 2 } }), 2);
  });
});
