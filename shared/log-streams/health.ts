import { z } from 'zod';
import { createEventCodec, type IncomingRecord, type OutgoingRecord } from '../events/index.js';

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

/** A stream's health across partitions, as the API shows it. */
export interface StreamHealth {
  last_success_at: string | null;
  last_error: DeliveryError | null;
  failing_since: string | null;
}

const later = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : Date.parse(a) >= Date.parse(b) ? a : b);
const earlier = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : Date.parse(a) <= Date.parse(b) ? a : b);

const latestError = (a: DeliveryError | null, b: DeliveryError | null) => (a === null ? b : b === null ? a : Date.parse(b.at) > Date.parse(a.at) ? b : a);

export class HealthStore {
  private readonly byStream = new Map<string, Map<number, HealthSnapshot>>();

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
    const out: StreamHealth = { last_success_at: null, last_error: null, failing_since: null };
    for (const s of this.byStream.get(streamId)?.values() ?? []) {
      out.last_success_at = later(out.last_success_at, s.last_success_at);
      out.last_error = latestError(out.last_error, s.last_error);
      out.failing_since = earlier(out.failing_since, s.failing_since);
    }
    return out;
  }

  forget(streamId: string): void {
    this.byStream.delete(streamId);
  }
}
