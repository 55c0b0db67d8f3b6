import { z } from 'zod';

/**
 * CloudEvents 1.0 over Kafka (https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/bindings/kafka-protocol-binding.md).
 *
 * We produce STRUCTURED mode: the record value is the whole event as JSON and the `content-type`
 * header is `application/cloudevents+json`. One self-contained blob is what the dead-letter topic,
 * replay tools and external readers of the topic want. We also read BINARY mode (attributes in
 * `ce_*` headers, the value is the data), so producers outside apptrail can write either way.
 * The record key is the `partitionkey` extension: the subject (a client_id), which keeps one
 * subject's history ordered in one partition.
 */
export const STRUCTURED_CONTENT_TYPE = 'application/cloudevents+json';

// Loose: extension attributes (actor, requestid, expectedversion, …) ride along unvalidated here;
// each topic's reader checks the ones it relies on.
export const CloudEventSchema = z.looseObject({
  specversion: z.literal('1.0'),
  id: z.string().min(1),
  source: z.string().min(1),
  type: z.string().min(1),
  // Within what every reader can store: audit log ids start at the epoch, ClickHouse's
  // DateTime64(3) ends in 2299.
  time: z.iso.datetime({ offset: true }).refine((t) => {
    const ms = Date.parse(t);
    return ms >= 0 && ms < Date.UTC(2300, 0, 1);
  }, 'time must lie between 1970 and 2299'),
  subject: z.string().min(1).optional(),
  datacontenttype: z.string().optional(),
  /** Version of the data schema for `type`; readers refuse versions they do not know. */
  schemaversion: z.number().int().min(1),
  data: z.unknown(),
});

export interface CloudEvent<D = unknown> {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  time: string;
  subject?: string;
  datacontenttype?: string;
  schemaversion: number;
  data: D;
  /** Extension attributes. */
  [extension: string]: unknown;
}

export type Headers = Record<string, string>;

export interface OutgoingRecord {
  key: string | null;
  value: Buffer;
  headers: Headers;
}

export interface IncomingRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers?: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
}

export function encodeStructured(event: CloudEvent): OutgoingRecord {
  return {
    key: typeof event.subject === 'string' ? event.subject : null,
    value: Buffer.from(JSON.stringify(event)),
    headers: { 'content-type': STRUCTURED_CONTENT_TYPE },
  };
}

/**
 * encodeStructured for an event whose data is already JSON text (encoded once for several
 * destinations). `data` is the envelope's last attribute, so the bytes equal encodeStructured's.
 */
export function encodeStructuredWithDataJson(event: Omit<CloudEvent, 'data'> & { data?: undefined }, dataJson: string): OutgoingRecord {
  // JSON.stringify leaves out an undefined `data`.
  const headJson = JSON.stringify(event);
  return {
    key: typeof event.subject === 'string' ? event.subject : null,
    value: Buffer.from(`${headJson.slice(0, -1)},"data":${dataJson}}`),
    headers: { 'content-type': STRUCTURED_CONTENT_TYPE },
  };
}

function header(rec: IncomingRecord, name: string): string | undefined {
  const v = rec.headers?.[name];
  const first = Array.isArray(v) ? v[0] : v;
  return first === undefined ? undefined : first.toString();
}

/** Raw attributes + data of a record in either mode; validation is the caller's job. */
export function decodeRecord(rec: IncomingRecord): unknown {
  return decodeRecordWithText(rec).raw;
}

/** decodeRecord, plus the JSON text `raw` was parsed from when the record is one JSON document (structured mode). */
export function decodeRecordWithText(rec: IncomingRecord): { raw: unknown; text?: string } {
  if (rec.value === null) throw new Error('record has no value (tombstone)');
  const contentType = header(rec, 'content-type');
  if (contentType === undefined || contentType.startsWith(STRUCTURED_CONTENT_TYPE)) {
    const text = rec.value.toString('utf8');
    return { raw: JSON.parse(text), text };
  }
  const attrs: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(rec.headers ?? {})) {
    if (!name.startsWith('ce_') || raw === undefined) continue;
    const text = (Array.isArray(raw) ? raw[0] : raw)?.toString() ?? '';
    const attr = name.slice(3);
    attrs[attr] = attr === 'schemaversion' ? Number(text) : text;
  }
  attrs.datacontenttype = contentType;
  attrs.data = contentType.includes('json') ? JSON.parse(rec.value.toString('utf8')) : rec.value.toString('utf8');
  return { raw: attrs };
}
