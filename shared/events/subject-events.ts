import { z } from 'zod';
import type { EventCatalog, EventCodec } from './codec.js';
import type { IncomingRecord, OutgoingRecord } from './envelope.js';
import { PoisonRecordError } from './poison-record-error.js';

/**
 * Who did it, from where: carried as CloudEvents extension attributes on every domain event
 * record (clients.events, log-streams.events, tenant.events), so the audit trail can name the
 * actor without a second source. Extension names are lower-case alphanumerics per the spec.
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

const Extensions = EventMetaSchema.extend({ subject: z.string().min(1), expectedversion: z.int().min(0) });

/** A domain event as every topic of subject-keyed, version-checked events carries it. */
export interface SubjectEvent<C extends EventCatalog> {
  type: keyof C & string;
  subject: string;
  expected_version: number;
  data: unknown;
}

export interface DecodedSubjectEvent<C extends EventCatalog> extends SubjectEvent<C> {
  id: string;
  time: string;
  meta: EventMeta;
}

/**
 * The envelope of a topic whose records each change one subject (a client, a stream, a tenant
 * resource) decided against its version: the subject is the CloudEvents subject and the record
 * key, the expected version and the actor ride as extensions. One definition, so the three event
 * topics cannot drift in how they carry them.
 */
export function subjectEvents<C extends EventCatalog>(codec: EventCodec<C>) {
  return {
    serialise(event: SubjectEvent<C>, meta: EventMeta, opts: { id?: string; time?: string } = {}): { record: OutgoingRecord; id: string; time: string } {
      const ce = codec.create(event.type, event.data as never, {
        subject: event.subject,
        ...(opts.id === undefined ? {} : { id: opts.id }),
        ...(opts.time === undefined ? {} : { time: opts.time }),
        extensions: { ...meta, expectedversion: event.expected_version },
      });
      // The union of per-type envelopes is too wide for TS to relate to `create`'s single-type result.
      return { record: codec.serialise(ce as Parameters<typeof codec.serialise>[0]), id: ce.id, time: ce.time };
    },
    /** Throws PoisonRecordError when the record is not a valid event of this topic and schema version. */
    parse(record: IncomingRecord): DecodedSubjectEvent<C> {
      const ce = codec.parse(record);
      const ext = Extensions.safeParse(ce);
      if (!ext.success) throw new PoisonRecordError(`${ce.type}: missing or invalid extension attributes: ${ext.error.issues.map((i) => i.path.join('.')).join(', ')}`);
      const { subject, expectedversion, ...meta } = ext.data;
      return { id: ce.id, time: ce.time, type: ce.type, subject, expected_version: expectedversion, data: ce.data, meta };
    },
  };
}
