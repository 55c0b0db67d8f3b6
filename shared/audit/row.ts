import { dateTime64ToIso } from './datetime.js';
import type { AuditEntry } from './entry.js';
import { isOutputField, type OutputField } from './fields.js';
import { logIdTimeMs } from './log-id.js';

/** Log object fields as GET /logs returns them. */
export type LogObject = Partial<Record<Exclude<OutputField, 'details'>, string> & { details: unknown }>;

// Auth0 leaves a field out of a log object when the event has no value for it.
const ALWAYS_PRESENT = new Set<OutputField>(['log_id', 'date', 'type', 'description']);

/**
 * Checkpoint paging prunes by the date a log_id encodes (query/select.ts), so an entry whose id
 * and date disagree would be skipped by it: the writer refuses one. The type does not prove the
 * entry went through AuditEntrySchema, whose refine checks the same.
 */
export function assertLogIdMatchesDate(entry: Pick<AuditEntry, 'log_id' | 'date'>): void {
  if (logIdTimeMs(entry.log_id) !== Date.parse(entry.date)) {
    throw new Error(`Audit entry ${entry.log_id}: log_id does not encode its date ${entry.date}`);
  }
}

/**
 * A row read by buildLogsSelect (any subset of columns) as an Auth0 log object: date in ISO
 * 8601, details parsed, empty optional fields left out. Unknown columns are dropped.
 */
export function fromAuditRow(row: Record<string, unknown>): LogObject {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    if (!isOutputField(key)) continue;
    if (key === 'details') out.details = typeof value === 'string' ? JSON.parse(value) : value;
    else if (key === 'date') out.date = dateTime64ToIso(String(value));
    else if (value !== '' || ALWAYS_PRESENT.has(key)) out[key] = value;
  }
  return out as LogObject;
}
