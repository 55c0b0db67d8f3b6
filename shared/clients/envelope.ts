import { z } from 'zod';
import { createEventCodec, PoisonRecordError, type CloudEvent, type IncomingRecord, type OutgoingRecord } from '../events/index.js';
import { CLIENT_EVENT_SCHEMA_VERSION, CLIENT_EVENT_TYPES, CLIENT_EVENT_UPCASTS, ClientEventDataSchemas, type ClientEvent, type ClientEventType } from './events.js';

/**
 * Who did it, from where: carried as CloudEvents extension attributes on every clients.events
 * record, so the audit trail can name the actor without a second source. Extension names are
 * lower-case alphanumerics per the CloudEvents spec.
 */
export const EventMetaSchema = z.object({
  actor: z.string().describe('token subject (sub) of the caller'),
  actorclient: z.string().describe('client_id of the calling application (azp), may be empty'),
  actorname: z.string().describe('display name of the caller when the token carries one'),
  requestid: z.string(),
  ip: z.string(),
  useragent: z.string(),
  method: z.string(),
  path: z.string(),
});
export type EventMeta = z.infer<typeof EventMetaSchema>;

const catalog = Object.fromEntries(
  CLIENT_EVENT_TYPES.map((type) => [type, { version: CLIENT_EVENT_SCHEMA_VERSION, data: ClientEventDataSchemas[type], upcast: CLIENT_EVENT_UPCASTS }]),
) as {
  [T in ClientEventType]: { version: number; data: (typeof ClientEventDataSchemas)[T]; upcast: typeof CLIENT_EVENT_UPCASTS };
};
const codec = createEventCodec(catalog, '/apptrail/clients');

const EnvelopeExtensions = EventMetaSchema.extend({
  subject: z.string().min(1),
  expectedversion: z.int().min(0),
});

/** One record of clients.events, decoded: the domain event, its envelope time and id, and who caused it. */
export interface ClientEventRecord {
  id: string;
  time: string;
  event: ClientEvent;
  meta: EventMeta;
}

export function toClientEventRecord(event: ClientEvent, meta: EventMeta, opts: { id?: string; time?: string } = {}): { record: OutgoingRecord; id: string; time: string } {
  const ce = codec.create(event.type, event.data as never, {
    subject: event.client_id,
    ...(opts.id === undefined ? {} : { id: opts.id }),
    ...(opts.time === undefined ? {} : { time: opts.time }),
    extensions: { ...meta, expectedversion: event.expected_version },
  });
  // The union of per-type envelopes is too wide for TS to relate to `create`'s single-type result.
  return { record: codec.serialise(ce as Parameters<typeof codec.serialise>[0]), id: ce.id, time: ce.time };
}

/** Throws PoisonRecordError when the record is not a valid clients.events record of this schema version. */
export function parseClientEventRecord(record: IncomingRecord): ClientEventRecord {
  const ce: CloudEvent = codec.parse(record);
  const ext = EnvelopeExtensions.safeParse(ce);
  if (!ext.success) throw new PoisonRecordError(`${ce.type}: missing or invalid extension attributes: ${ext.error.issues.map((i) => i.path.join('.')).join(', ')}`);
  const { subject, expectedversion, ...meta } = ext.data;
  return {
    id: ce.id,
    time: ce.time,
    event: { type: ce.type, client_id: subject, expected_version: expectedversion, data: ce.data } as ClientEvent,
    meta,
  };
}
