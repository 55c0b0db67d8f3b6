import { createEventCodec, subjectEvents, type EventMeta, type IncomingRecord, type OutgoingRecord } from '../events/index.js';
import { CLIENT_EVENT_SCHEMA_VERSION, CLIENT_EVENT_TYPES, CLIENT_EVENT_UPCASTS, ClientEventDataSchemas, type ClientEvent, type ClientEventType } from './events.js';

export { EventMetaSchema, type EventMeta } from '../events/index.js';

const catalog = Object.fromEntries(
  CLIENT_EVENT_TYPES.map((type) => [type, { version: CLIENT_EVENT_SCHEMA_VERSION, data: ClientEventDataSchemas[type], upcast: CLIENT_EVENT_UPCASTS }]),
) as {
  [T in ClientEventType]: { version: number; data: (typeof ClientEventDataSchemas)[T]; upcast: typeof CLIENT_EVENT_UPCASTS };
};
const envelope = subjectEvents(createEventCodec(catalog, '/apptrail/clients'));

/** One record of clients.events, decoded: the domain event, its envelope time and id, and who caused it. */
export interface ClientEventRecord {
  id: string;
  time: string;
  event: ClientEvent;
  meta: EventMeta;
}

export function toClientEventRecord(event: ClientEvent, meta: EventMeta, opts: { id?: string; time?: string } = {}): { record: OutgoingRecord; id: string; time: string } {
  return envelope.serialise({ type: event.type, subject: event.client_id, expected_version: event.expected_version, data: event.data }, meta, opts);
}

/** Throws PoisonRecordError when the record is not a valid clients.events record of this schema version. */
export function parseClientEventRecord(record: IncomingRecord): ClientEventRecord {
  const { id, time, type, subject, expected_version, data, meta } = envelope.parse(record);
  return { id, time, event: { type, client_id: subject, expected_version, data } as ClientEvent, meta };
}
