import { z } from 'zod';
import { AUDIT_LOG_EVENT, AuditEntrySchema } from '../../shared/audit/index.js';
import { createEventCodec, type IncomingRecord } from '../../shared/events/index.js';

/**
 * What a stream relies on in an entry, with the contract's own field schemas: the log_id (dead
 * letters and idempotency keys name it), the date (Splunk's `time`) and the type (filters). The rest
 * travels as written. The full contract was enforced when the audit service wrote the record, in the
 * same transaction that published it; checking it again per stream cost half the exporter's CPU
 * (bench:export profile: a second limits walk and a strict parse of every nested object).
 * What is not an entry at all still goes to the dead-letter topic: the codec checks the envelope,
 * the type and version (a newer one halts), and walks the record with the limits every reader shares.
 */
const ReliedOn = z.object({
  log_id: AuditEntrySchema.shape.log_id,
  date: AuditEntrySchema.shape.date,
  type: AuditEntrySchema.shape.type,
});

export type ExportedEntry = z.infer<typeof ReliedOn> & Record<string, unknown>;

// The entry itself is passed on, not zod's copy of it: copying every key of every entry was a
// tenth of the exporter's time, for a value nobody changes.
const ExportedEntrySchema = z.unknown().transform((data, ctx): ExportedEntry => {
  const checked = ReliedOn.safeParse(data);
  if (!checked.success) {
    for (const issue of checked.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
    return z.NEVER;
  }
  return data as ExportedEntry;
});

/** The type, schema version and source the audit service writes (shared/audit/log-record.ts). */
const codec = createEventCodec({ [AUDIT_LOG_EVENT.type]: { version: AUDIT_LOG_EVENT.version, data: ExportedEntrySchema } }, AUDIT_LOG_EVENT.source);

/** One audit.log record as a stream ships it. Throws as the codec does: poison → dead letter, newer → halt. */
export function readExportedEntry(record: IncomingRecord): ExportedEntry {
  return codec.parse(record).data;
}
