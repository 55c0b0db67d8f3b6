import { z } from 'zod';
import { createEventCodec, type IncomingRecord, type OutgoingRecord } from '../events/index.js';
import { DLQ_HEADERS } from '../kafka/dead-letter.js';
import { streamIdOfGroup } from './positions.js';

// log-streams.health: what the exporter knows about each stream's deliveries, one snapshot per
// stream and partition of audit.log (key `<stream id>/<partition>`; whichever exporter owns the
// partition writes it). Compacted, so a reader starting from the beginning gets the latest
// snapshot of every key without the history. The API folds it to show health next to the stream.

export const DeliveryErrorSchema = z.strictObject({
  at: z.iso.datetime({ offset: true }),
  /** The sink's HTTP status, null when it never answered (timeout, connection refused). */
  status: z.int().nullable(),
  message: z.string().max(2000),
});
export type DeliveryError = z.infer<typeof DeliveryErrorSchema>;

export const HealthSnapshotSchema = z.strictObject({
  stream_id: z.string().min(1),
  partition: z.int().min(0),
  at: z.iso.datetime({ offset: true }),
  last_success_at: z.iso.datetime({ offset: true }).nullable(),
  last_error: DeliveryErrorSchema.nullable(),
  /** When the current run of failures began; null while deliveries succeed. */
  failing_since: z.iso.datetime({ offset: true }).nullable(),
});
export type HealthSnapshot = z.infer<typeof HealthSnapshotSchema>;

const codec = createEventCodec({ 'log_stream.health': { version: 1, data: HealthSnapshotSchema } }, '/apptrail/exporter');

export const healthKey = (streamId: string, partition: number) => `${streamId}/${partition}`;

export function toHealthRecord(snapshot: HealthSnapshot): OutgoingRecord {
  return codec.serialise(codec.create('log_stream.health', snapshot, { subject: healthKey(snapshot.stream_id, snapshot.partition), time: snapshot.at }));
}

/** A null value deletes the key once the topic is compacted. */
export function healthTombstone(streamId: string, partition: number): OutgoingRecord {
  return { key: healthKey(streamId, partition), value: null as unknown as Buffer, headers: {} };
}

export type HealthRecord = { kind: 'snapshot'; snapshot: HealthSnapshot } | { kind: 'tombstone'; streamId: string; partition: number };

export function parseHealthRecord(record: IncomingRecord): HealthRecord {
  if (record.value === null) {
    const [streamId = '', partition = ''] = (record.key?.toString() ?? '').split('/');
    return { kind: 'tombstone', streamId, partition: Number(partition) };
  }
  return { kind: 'snapshot', snapshot: codec.parse(record).data };
}

const DEAD_LETTER_REASON_LIMIT = 1000;

/**
 * Entries a stream gave up on (the sink refused them, or they could not be read from audit.log),
 * read from log-streams.dlq itself: the dead-letter topic is the record of every drop, so health
 * cannot miss one, whichever exporter dropped it and however often exporters restarted.
 */
export const DeadLetterSchema = z.strictObject({
  /** The entry's log_id (the dead letter keeps the audit.log key); null if the record had none. */
  log_id: z.string().nullable(),
  at: z.string(),
  /** Why, as the dead letter's error header says it, credentials redacted. */
  reason: z.string().max(DEAD_LETTER_REASON_LIMIT),
});
export type DeadLetter = z.infer<typeof DeadLetterSchema>;

export const DeadLettersSchema = z.strictObject({
  count: z.int().min(0),
  last: DeadLetterSchema.nullable(),
});
export type DeadLetters = z.infer<typeof DeadLettersSchema>;

const headerText = (record: IncomingRecord, name: string): string | undefined => {
  const v = record.headers?.[name];
  const first = Array.isArray(v) ? v[0] : v;
  return first === undefined ? undefined : first.toString();
};

/** A log-streams.dlq record as health counts it; undefined for one no stream's exporter wrote. */
export function parseStreamDeadLetter(record: IncomingRecord, topicPrefix: string): { streamId: string; deadLetter: DeadLetter } | undefined {
  const group = headerText(record, DLQ_HEADERS.group);
  const streamId = group === undefined ? undefined : streamIdOfGroup(topicPrefix, group);
  if (streamId === undefined) return undefined;
  return {
    streamId,
    deadLetter: {
      log_id: record.key?.toString() ?? null,
      at: headerText(record, DLQ_HEADERS.failedAt) ?? new Date(0).toISOString(),
      reason: (headerText(record, DLQ_HEADERS.error) ?? '').slice(0, DEAD_LETTER_REASON_LIMIT),
    },
  };
}

/** A stream's health across partitions, as the API shows it. */
export interface StreamHealth {
  last_success_at: string | null;
  /** The latest delivery error, or the latest dead letter when that is newer: a drop is an error. */
  last_error: DeliveryError | null;
  failing_since: string | null;
  dead_letters: DeadLetters;
}

const later = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : Date.parse(a) >= Date.parse(b) ? a : b);
const earlier = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : Date.parse(a) <= Date.parse(b) ? a : b);

const latestError = (a: DeliveryError | null, b: DeliveryError | null) => (a === null ? b : b === null ? a : Date.parse(b.at) > Date.parse(a.at) ? b : a);

export class HealthStore {
  private readonly byStream = new Map<string, Map<number, HealthSnapshot>>();
  private readonly deadLetters = new Map<string, DeadLetters>();

  deadLettered(streamId: string, deadLetter: DeadLetter): void {
    const previous = this.deadLetters.get(streamId) ?? { count: 0, last: null };
    const newer = previous.last === null || Date.parse(deadLetter.at) >= Date.parse(previous.last.at);
    this.deadLetters.set(streamId, { count: previous.count + 1, last: newer ? deadLetter : previous.last });
  }

  apply(record: HealthRecord): void {
    if (record.kind === 'tombstone') {
      this.byStream.get(record.streamId)?.delete(record.partition);
      return;
    }
    const s = record.snapshot;
    let partitions = this.byStream.get(s.stream_id);
    if (!partitions) this.byStream.set(s.stream_id, (partitions = new Map()));
    const previous = partitions.get(s.partition);
    if (!previous) {
      partitions.set(s.partition, s);
      return;
    }
    // Snapshots come from whichever exporter owns the partition now, and a restarted exporter
    // knows nothing of earlier deliveries: success and error times only move forward, and the
    // failure window is the newest snapshot's.
    const newer = Date.parse(s.at) >= Date.parse(previous.at);
    partitions.set(s.partition, {
      ...(newer ? s : previous),
      last_success_at: later(previous.last_success_at, s.last_success_at),
      last_error: latestError(previous.last_error, s.last_error),
    });
  }

  view(streamId: string): StreamHealth {
    const dead = this.deadLetters.get(streamId) ?? { count: 0, last: null };
    const out: StreamHealth = { last_success_at: null, last_error: null, failing_since: null, dead_letters: dead };
    for (const s of this.byStream.get(streamId)?.values() ?? []) {
      out.last_success_at = later(out.last_success_at, s.last_success_at);
      out.last_error = latestError(out.last_error, s.last_error);
      out.failing_since = earlier(out.failing_since, s.failing_since);
    }
    if (dead.last !== null) {
      const { log_id: logId, at, reason } = dead.last;
      out.last_error = latestError(out.last_error, { at, status: null, message: `dead-lettered log_id ${logId ?? '(none)'}: ${reason}`.slice(0, 2000) });
    }
    return out;
  }

  forget(streamId: string): void {
    this.byStream.delete(streamId);
    this.deadLetters.delete(streamId);
  }
}
