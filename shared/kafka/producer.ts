import type { Kafka, Message, Producer, RetryOptions } from 'kafkajs';
import type { OutgoingRecord } from '../events/index.js';
import { chunkByBytes, messageBytes } from './chunk.js';

export interface EventProducer {
  /**
   * Resolves once the record is acknowledged by all in-sync replicas (acks=all); rejects within
   * a few seconds when Kafka cannot be reached (see SEND_RETRY), so callers can answer 503.
   */
  send(topic: string, record: OutgoingRecord): Promise<void>;
  disconnect(): Promise<void>;
}

interface Pending {
  topic: string;
  message: Message;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/**
 * How long one send keeps trying before it fails: about 5 s of back-off (100 ms doubling, capped
 * at 2 s, 5 retries). kafkajs' idempotent producer otherwise retries forever, which turns a broker
 * outage into requests that never answer.
 */
export const SEND_RETRY: RetryOptions = { retries: 5, initialRetryTime: 100, maxRetryTime: 2000 };

/**
 * Idempotent, acks=all producer that groups concurrent sends into one request ("group commit").
 * An idempotent kafkajs producer keeps one request in flight, so sending record by record would cap
 * throughput at one round trip per record; instead every send that arrives while a request is in
 * flight joins the next one. Per-key order is kept because records are appended in call order.
 *
 * A failed request fails every send queued behind it too (they would only wait out the same
 * outage), and the kafkajs producer is replaced: a request that failed may still have been
 * written, and reusing its producer id and sequence numbers for different records could make the
 * broker take them for duplicates of it and drop them while acknowledging.
 */
export async function createEventProducer(kafka: Kafka, opts: { maxBatch?: number; retry?: RetryOptions } = {}): Promise<EventProducer> {
  const open = async (): Promise<Producer> => {
    const p = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, retry: opts.retry ?? SEND_RETRY });
    await p.connect();
    return p;
  };
  let producer: Producer | undefined = await open();
  const maxBatch = opts.maxBatch ?? 1000;
  let queue: Pending[] = [];
  let flushing: Promise<void> | undefined;

  async function flush(): Promise<void> {
    while (queue.length > 0) {
      const batch = chunkByBytes(queue.slice(0, maxBatch), (p) => messageBytes(p.message))[0]!;
      queue = queue.slice(batch.length);
      const byTopic = new Map<string, Message[]>();
      for (const p of batch) {
        const list = byTopic.get(p.topic);
        if (list) list.push(p.message);
        else byTopic.set(p.topic, [p.message]);
      }
      try {
        producer ??= await open();
        await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
        for (const p of batch) p.resolve();
      } catch (err) {
        const failed = [...batch, ...queue];
        queue = [];
        const broken = producer;
        producer = undefined;
        await broken?.disconnect().catch(() => undefined);
        for (const p of failed) p.reject(err);
      }
    }
    flushing = undefined;
  }

  return {
    send(topic, record) {
      return new Promise<void>((resolve, reject) => {
        queue.push({ topic, message: { key: record.key, value: record.value, headers: record.headers }, resolve, reject });
        flushing ??= flush();
      });
    },
    async disconnect() {
      await flushing;
      await producer?.disconnect();
    },
  };
}
