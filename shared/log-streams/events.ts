import { z } from 'zod';
import { createEventCodec, subjectEvents, type EventMeta, type IncomingRecord, type OutgoingRecord } from '../events/index.js';
import { PiiConfigSchema } from './pii.js';
import { LOG_STREAM_TYPES, LogStreamFilterSchema, PublicSinkSchema, SealedSchema, StoredStartFromSchema, SuspensionSchema } from './schema.js';

// log-streams.events: the definitions of log streams, one record per accepted change, keyed by
// stream id. Sink secrets are sealed (sink-secrets.ts). Retained forever, like clients.events.

/**
 * Schema version per event type; a reader halts at a newer one and upcasts older ones.
 * 2 (created, updated): `pii_config` added; version 1 data is valid version 2 data as it is.
 */
export const LOG_STREAM_EVENT_SCHEMA_VERSIONS = {
  'log_stream.created': 2,
  'log_stream.updated': 2,
  'log_stream.suspended': 1,
  'log_stream.deleted': 1,
} as const;
const UPCASTS: Readonly<Record<number, (data: unknown) => unknown>> = { 1: (data) => data };

export const LogStreamEventDataSchemas = {
  'log_stream.created': z.strictObject({
    name: z.string(),
    type: z.enum(LOG_STREAM_TYPES),
    isPriority: z.boolean(),
    filters: z.array(LogStreamFilterSchema),
    pii_config: PiiConfigSchema.optional(),
    sink: PublicSinkSchema,
    sink_secrets_sealed: SealedSchema,
    start_from: StoredStartFromSchema,
  }),
  'log_stream.updated': z.strictObject({
    changes: z.strictObject({
      name: z.string().optional(),
      status: z.enum(['active', 'paused']).optional(),
      isPriority: z.boolean().optional(),
      filters: z.array(LogStreamFilterSchema).optional(),
      /** null: the stream no longer obfuscates PII. */
      pii_config: PiiConfigSchema.nullable().optional(),
      /** The whole public sink after the merge, with sink_secrets_sealed when the secrets changed. */
      sink: PublicSinkSchema.optional(),
      sink_secrets_sealed: SealedSchema.optional(),
    }),
  }),
  /** Written by the exporter; applies only to the version it was decided on, so a fix made meanwhile wins. */
  'log_stream.suspended': z.strictObject({ reason: SuspensionSchema }),
  'log_stream.deleted': z.strictObject({}),
} as const;

export type LogStreamEventType = keyof typeof LogStreamEventDataSchemas;
export const LOG_STREAM_EVENT_TYPES = Object.keys(LogStreamEventDataSchemas) as LogStreamEventType[];

export type LogStreamEvent = {
  [T in LogStreamEventType]: { type: T; stream_id: string; expected_version: number; data: z.infer<(typeof LogStreamEventDataSchemas)[T]> };
}[LogStreamEventType];
export type LogStreamEventOf<T extends LogStreamEventType> = Extract<LogStreamEvent, { type: T }>;

const catalog = Object.fromEntries(
  LOG_STREAM_EVENT_TYPES.map((type) => [type, { version: LOG_STREAM_EVENT_SCHEMA_VERSIONS[type], data: LogStreamEventDataSchemas[type], upcast: UPCASTS }]),
) as {
  [T in LogStreamEventType]: { version: number; data: (typeof LogStreamEventDataSchemas)[T]; upcast: typeof UPCASTS };
};
const envelope = subjectEvents(createEventCodec(catalog, '/apptrail/log-streams'));


export interface LogStreamEventRecord {
  id: string;
  time: string;
  event: LogStreamEvent;
  meta: EventMeta;
}

export function toLogStreamEventRecord(event: LogStreamEvent, meta: EventMeta): { record: OutgoingRecord; id: string; time: string } {
  return envelope.serialise({ type: event.type, subject: event.stream_id, expected_version: event.expected_version, data: event.data }, meta);
}

/** Throws PoisonRecordError when the record is not a valid log-streams.events record of this schema version. */
export function parseLogStreamEventRecord(record: IncomingRecord): LogStreamEventRecord {
  const { id, time, type, subject, expected_version, data, meta } = envelope.parse(record);
  return { id, time, event: { type, stream_id: subject, expected_version, data } as LogStreamEvent, meta };
}
