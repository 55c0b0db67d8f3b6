import { createEventCodec, type IncomingRecord, type OutgoingRecord } from '../events/index.js';
import { AuditEntrySchema, type AuditEntry } from './entry.js';

/**
 * One audit entry on the `audit.log` topic: the normalised trail for exporters and anyone who
 * wants to stream it. Keyed by log_id, so the CloudEvents id and the key are the entry's stable
 * identity across redeliveries.
 */
const codec = createEventCodec({ 'audit.entry': { version: 1, data: AuditEntrySchema } }, '/apptrail/audit');

export function toAuditLogRecord(entry: AuditEntry): OutgoingRecord {
  const ce = codec.create('audit.entry', entry, { subject: entry.log_id, id: entry.log_id, time: entry.date });
  return { ...codec.serialise(ce), key: entry.log_id };
}

export function parseAuditLogRecord(record: IncomingRecord): AuditEntry {
  return codec.parse(record).data;
}
