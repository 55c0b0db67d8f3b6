import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { CloudEventSchema, decodeRecordWithText, encodeStructured, encodeStructuredWithDataJson, type CloudEvent, type IncomingRecord, type OutgoingRecord } from './envelope.js';
import { PoisonRecordError } from './poison-record-error.js';
import { UnsupportedEventError } from './unsupported-event-error.js';
import { findJsonViolation, RECORD_JSON_LIMITS } from '../http/json-limits.js';
import { surelyWithinJsonLimits } from '../http/json-text-limits.js';

/**
 * Turns the data of an older schema version into the shape of the next one. `upcast[n]` takes
 * version n to n + 1; a reader chains them, so old records stay readable forever.
 */
export type Upcaster = (data: unknown) => unknown;

/** The event types one topic carries: CloudEvents `type` → current schema version and data schema. */
export type EventCatalog = Record<string, { version: number; data: z.ZodType; upcast?: Record<number, Upcaster> }>;

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
  /**
   * serialise() for data the caller already holds as JSON text and vouches for (checked against
   * the type's schema): the same bytes, without encoding the data a second time.
   */
  serialiseEncoded<T extends keyof C & string>(type: T, dataJson: string, opts: { subject?: string; id?: string; time?: string; extensions?: Record<string, string | number | boolean> }): OutgoingRecord;
  /**
   * Throws PoisonRecordError for anything that is not a valid event (retrying cannot help), and
   * UnsupportedEventError for a valid envelope of a type or newer schema version this build does
   * not know (a newer producer wrote it: the reader must stop, not skip). Older versions are
   * upcast to the current shape first.
   */
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
    serialiseEncoded(type, dataJson, opts) {
      const head = this.create(type, undefined as DataOf<C, typeof type>, opts) as Omit<CloudEvent, 'data'> & { data?: undefined };
      return encodeStructuredWithDataJson(head, dataJson);
    },
    parse(record) {
      let decoded: { raw: unknown; text?: string };
      try {
        decoded = decodeRecordWithText(record);
      } catch (err) {
        throw new PoisonRecordError(`not a CloudEvent: ${(err as Error).message}`, { cause: err });
      }
      const { raw, text } = decoded;
      // Before anything recursive (zod, redaction, JSON.stringify) sees it, and with the same
      // verdict in every reader: strings well-formed and without NUL, depth and size bounded.
      // The text check settles the usual record cheaply; the walk decides the rest.
      const violation = text !== undefined && surelyWithinJsonLimits(raw, text, RECORD_JSON_LIMITS) ? undefined : findJsonViolation(raw, RECORD_JSON_LIMITS);
      if (violation) throw new PoisonRecordError(`record outside the limits every reader shares: ${violation.text} at ${violation.path.join('.') || '(root)'}`);
      const envelope = CloudEventSchema.safeParse(raw);
      if (!envelope.success) throw new PoisonRecordError(`invalid CloudEvent envelope: ${summarise(envelope.error)}`);
      const entry = Object.hasOwn(catalog, envelope.data.type) ? catalog[envelope.data.type] : undefined;
      if (!entry) throw new UnsupportedEventError(`unknown event type ${JSON.stringify(envelope.data.type)} (a newer producer? this build reads ${Object.keys(catalog).join(', ')})`);
      const version = envelope.data.schemaversion;
      if (version > entry.version) {
        throw new UnsupportedEventError(`${envelope.data.type}: schemaversion ${version} is newer than this build reads (${entry.version}); deploy the newer consumer`);
      }
      let payload = envelope.data.data;
      for (let v = version; v < entry.version; v++) {
        const up = entry.upcast?.[v];
        if (!up) throw new PoisonRecordError(`${envelope.data.type}: schemaversion ${version} has no upcaster from ${v} (this build reads ${entry.version})`);
        payload = up(payload);
      }
      const data = entry.data.safeParse(payload);
      if (!data.success) throw new PoisonRecordError(`${envelope.data.type}: invalid data: ${summarise(data.error)}`);
      envelope.data.schemaversion = entry.version;
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
