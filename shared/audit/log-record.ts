import { createEventCodec, type IncomingRecord, type OutgoingRecord } from '../events/index.js';
import { AuditEntrySchema, type AuditEntry } from './entry.js';
import { encodeEntry, type EncodedEntry } from './encoded-entry.js';

/**
 * One audit entry on the `audit.log` topic: the normalised trail for exporters and anyone who
 * wants to stream it. Keyed by log_id, so the CloudEvents id and the key are the entry's stable
 * identity across redeliveries.
 */
const codec = createEventCodec({ 'audit.entry': { version: 1, data: AuditEntrySchema } }, '/apptrail/audit');

export function toAuditLogRecord(entry: AuditEntry): OutgoingRecord {
  return encodedToAuditLogRecord(encodeEntry(entry));
}

/** The record of an entry already encoded (checkEntry): its JSON text is the envelope's data as is. */
export function encodedToAuditLogRecord({ entry, json }: EncodedEntry): OutgoingRecord {
  return { ...codec.serialiseEncoded('audit.entry', json, { subject: entry.log_id, id: entry.log_id, time: entry.date }), key: entry.log_id };
}

export function parseAuditLogRecord(record: IncomingRecord): AuditEntry {
  return codec.parse(record).data;
}
