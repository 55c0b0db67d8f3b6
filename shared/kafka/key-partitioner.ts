import { Partitioners, type ICustomPartitioner } from 'kafkajs';

/**
 * kafkajs' DefaultPartitioner (Kafka's Java murmur2 of the key, so Java and kafkajs clients agree
 * on where a key lives), with the same placement, for producers that send many keyed messages at
 * once. kafkajs computes murmur2 with a 64-bit Long emulation and filters the partition list for
 * every message; this uses 32-bit integer arithmetic (all murmur2 needs) and reads the list once.
 * Messages without a key go to kafkajs' own partitioner.
 */
export const KeyHashPartitioner: ICustomPartitioner = () => {
  const keyless = Partitioners.DefaultPartitioner();
  return (args) => {
    const { message, partitionMetadata } = args;
    if (message.partition !== null && message.partition !== undefined) return message.partition;
    if (message.key === null || message.key === undefined) return keyless(args);
    return (murmur2(Buffer.isBuffer(message.key) ? message.key : Buffer.from(String(message.key))) & 0x7fffffff) % partitionMetadata.length;
  };
};

const M = 0x5bd1e995;
const SEED = 0x9747b28c;

/** Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2), as a signed 32-bit integer. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = SEED ^ length;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const rest = length & 3;
  if (rest === 3) h ^= data[whole + 2]! << 16;
  if (rest >= 2) h ^= data[whole + 1]! << 8;
  if (rest >= 1) h = Math.imul(h ^ data[whole]!, M);
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}
