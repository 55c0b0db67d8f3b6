import type { Kafka, Message, Producer } from 'kafkajs';
import type { OutgoingRecord } from '../events/index.js';
import { chunkByBytes, messageBytes } from './chunk.js';

export interface EventProducer {
  /** Resolves once the record is acknowledged by all in-sync replicas (acks=all). */
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
 * Idempotent, acks=all producer that groups concurrent sends into one request ("group commit").
 * An idempotent kafkajs producer keeps one request in flight, so sending record by record would cap
 * throughput at one round trip per record; instead every send that arrives while a request is in
 * flight joins the next one. Per-key order is kept because records are appended in call order.
 */
export async function createEventProducer(kafka: Kafka, opts: { maxBatch?: number } = {}): Promise<EventProducer> {
  const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
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
        await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
        for (const p of batch) p.resolve();
      } catch (err) {
        for (const p of batch) p.reject(err);
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
      await producer.disconnect();
    },
  };
}
