import type { KafkaMessage } from 'kafkajs';
import type { OutgoingRecord } from '../events/index.js';

export interface DeadLetterSource {
  topic: string;
  partition: number;
  groupId: string;
  message: KafkaMessage;
}

/** Header names on a dead letter; the original record's own headers are kept beside them. */
export const DLQ_HEADERS = {
  error: 'dlq-error',
  topic: 'dlq-source-topic',
  partition: 'dlq-source-partition',
  offset: 'dlq-source-offset',
  group: 'dlq-consumer-group',
  failedAt: 'dlq-failed-at',
} as const;

/** The original bytes, untouched, plus why and where it failed, so it can be inspected and replayed. */
export function toDeadLetter(src: DeadLetterSource, error: unknown): OutgoingRecord {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(src.message.headers ?? {})) {
    if (v !== undefined) headers[k] = (Array.isArray(v) ? v[0] : v)?.toString() ?? '';
  }
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  Object.assign(headers, {
    [DLQ_HEADERS.error]: reason.slice(0, 2000),
    [DLQ_HEADERS.topic]: src.topic,
    [DLQ_HEADERS.partition]: String(src.partition),
    [DLQ_HEADERS.offset]: src.message.offset,
    [DLQ_HEADERS.group]: src.groupId,
    [DLQ_HEADERS.failedAt]: new Date().toISOString(),
  });
  return { key: src.message.key?.toString() ?? null, value: src.message.value ?? Buffer.alloc(0), headers };
}
