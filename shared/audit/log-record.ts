import { z } from 'zod';
import { createEventCodec, type IncomingRecord, type OutgoingRecord } from '../events/index.js';
import { AuditEntrySchema, type AuditEntry } from './entry.js';
import { CHAIN_COLUMNS, ChainLinkSchema, type ChainLink } from './chain.js';
import { encodeEntry, type EncodedEntry } from './encoded-entry.js';

/**
 * One audit entry on the `audit.log` topic: the normalised trail for exporters and anyone who
 * wants to stream it. Keyed by log_id, so the CloudEvents id and the key are the entry's stable
 * identity across redeliveries.
 */
/** The record's event type, schema version and source: every reader of audit.log builds its codec from these. */
export const AUDIT_LOG_EVENT = { type: 'audit.entry', version: 1, source: '/apptrail/audit' } as const;

/** An entry as audit.log carries it: the entry, plus its chain link when it has one (chain.ts). */
export type AuditLogEntry = AuditEntry & Partial<ChainLink>;

// The link is an addition beside the entry (same record version: readers that ignore it lose
// nothing); the entry keeps its strict schema.
const AuditLogEntrySchema = z.unknown().transform((data, ctx): AuditLogEntry => {
  const fields = typeof data === 'object' && data !== null ? { ...(data as Record<string, unknown>) } : data;
  const link: Record<string, unknown> = {};
  if (typeof fields === 'object' && fields !== null && 'chain' in fields) {
    for (const c of CHAIN_COLUMNS) {
      link[c] = (fields as Record<string, unknown>)[c];
      delete (fields as Record<string, unknown>)[c];
    }
  }
  const entry = AuditEntrySchema.safeParse(fields);
  const chained = Object.keys(link).length > 0 ? ChainLinkSchema.safeParse(link) : undefined;
  for (const issue of [...(entry.error?.issues ?? []), ...(chained?.error?.issues ?? [])]) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
  if (!entry.success || (chained && !chained.success)) return z.NEVER;
  return chained?.data ? { ...entry.data, ...chained.data } : entry.data;
});

const codec = createEventCodec({ [AUDIT_LOG_EVENT.type]: { version: AUDIT_LOG_EVENT.version, data: AuditLogEntrySchema } }, AUDIT_LOG_EVENT.source);

export function toAuditLogRecord(entry: AuditEntry): OutgoingRecord {
  return encodedToAuditLogRecord(encodeEntry(entry));
}

/** The record of an entry already encoded (checkEntry): its JSON text is the envelope's data as is. */
export function encodedToAuditLogRecord({ entry, json }: EncodedEntry): OutgoingRecord {
  return { ...codec.serialiseEncoded(AUDIT_LOG_EVENT.type, json, { subject: entry.log_id, id: entry.log_id, time: entry.date }), key: entry.log_id };
}

export function parseAuditLogRecord(record: IncomingRecord): AuditLogEntry {
  return codec.parse(record).data;
}
