import { createEventCodec, type IncomingRecord, type OutgoingRecord } from '../events/index.js';
import { AuditEntrySchema, type AuditEntry } from './entry.js';
import { encodeEntry, type EncodedEntry } from './encoded-entry.js';

/**
 * One audit entry on the `audit.log` topic: the normalised trail for exporters and anyone who
 * wants to stream it. Keyed by log_id, so the CloudEvents id and the key are the entry's stable
 * identity across redeliveries.
 */
/** The record's event type, schema version and source: every reader of audit.log builds its codec from these. */
export const AUDIT_LOG_EVENT = { type: 'audit.entry', version: 1, source: '/apptrail/audit' } as const;

const codec = createEventCodec({ [AUDIT_LOG_EVENT.type]: { version: AUDIT_LOG_EVENT.version, data: AuditEntrySchema } }, AUDIT_LOG_EVENT.source);

export function toAuditLogRecord(entry: AuditEntry): OutgoingRecord {
  return encodedToAuditLogRecord(encodeEntry(entry));
}

/** The record of an entry already encoded (checkEntry): its JSON text is the envelope's data as is. */
export function encodedToAuditLogRecord({ entry, json }: EncodedEntry): OutgoingRecord {
  return { ...codec.serialiseEncoded(AUDIT_LOG_EVENT.type, json, { subject: entry.log_id, id: entry.log_id, time: entry.date }), key: entry.log_id };
}

export function parseAuditLogRecord(record: IncomingRecord): AuditEntry {
  return codec.parse(record).data;
}
