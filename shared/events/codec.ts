import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { CloudEventSchema, decodeRecord, encodeStructured, type CloudEvent, type IncomingRecord, type OutgoingRecord } from './envelope.js';
import { PoisonRecordError } from './poison-record-error.js';

/** The event types one topic carries: CloudEvents `type` → current schema version and data schema. */
export type EventCatalog = Record<string, { version: number; data: z.ZodType }>;

type DataOf<C extends EventCatalog, T extends keyof C> = z.infer<C[T]['data']>;

export type TypedEvent<C extends EventCatalog> = {
  [T in keyof C & string]: CloudEvent<DataOf<C, T>> & { type: T };
}[keyof C & string];

export interface EventCodec<C extends EventCatalog> {
  /** Builds an envelope; `extensions` carry request context (actor, requestid, expectedversion, …). */
  create<T extends keyof C & string>(
    type: T,
    data: DataOf<C, T>,
    opts: { subject?: string; id?: string; time?: string; extensions?: Record<string, string | number | boolean> },
  ): CloudEvent<DataOf<C, T>> & { type: T };
  serialise(event: TypedEvent<C>): OutgoingRecord;
  /** Throws PoisonRecordError for anything that is not a known, valid event: retrying cannot help. */
  parse(record: IncomingRecord): TypedEvent<C>;
}

/** The one serialise/parse pair every service uses for a topic. */
export function createEventCodec<C extends EventCatalog>(catalog: C, source: string): EventCodec<C> {
  return {
    create(type, data, opts) {
      return {
        ...opts.extensions,
        specversion: '1.0',
        id: opts.id ?? randomUUID(),
        source,
        type,
        time: opts.time ?? new Date().toISOString(),
        ...(opts.subject === undefined ? {} : { subject: opts.subject }),
        datacontenttype: 'application/json',
        schemaversion: catalog[type]!.version,
        data,
      } as CloudEvent<DataOf<C, typeof type>> & { type: typeof type };
    },
    serialise(event) {
      return encodeStructured(event);
    },
    parse(record) {
      let raw: unknown;
      try {
        raw = decodeRecord(record);
      } catch (err) {
        throw new PoisonRecordError(`not a CloudEvent: ${(err as Error).message}`, { cause: err });
      }
      const envelope = CloudEventSchema.safeParse(raw);
      if (!envelope.success) throw new PoisonRecordError(`invalid CloudEvent envelope: ${summarise(envelope.error)}`);
      const entry = catalog[envelope.data.type];
      if (!entry) throw new PoisonRecordError(`unknown event type ${JSON.stringify(envelope.data.type)}`);
      if (envelope.data.schemaversion !== entry.version) {
        throw new PoisonRecordError(`${envelope.data.type}: unsupported schemaversion ${envelope.data.schemaversion} (this build reads ${entry.version})`);
      }
      const data = entry.data.safeParse(envelope.data.data);
      if (!data.success) throw new PoisonRecordError(`${envelope.data.type}: invalid data: ${summarise(data.error)}`);
      // Reuse the parsed envelope object: this runs once per consumed record.
      envelope.data.data = data.data;
      return envelope.data as TypedEvent<C>;
    },
  };
}

function summarise(err: z.ZodError): string {
  return err.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}
