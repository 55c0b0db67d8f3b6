import { dateTime64ToIso, formatDateTime64 } from './datetime.js';
import type { AuditEntry } from './entry.js';
import { isOutputField, type OutputField } from './fields.js';
import { logIdTimeMs } from './log-id.js';

/** One audit_log row as inserted with JSONEachRow (`inserted_at` is filled by the table). */
export type AuditRow = Record<Exclude<OutputField, 'details'>, string> & { details: string };

/** Log object fields as GET /logs returns them. */
export type LogObject = Partial<Record<Exclude<OutputField, 'details'>, string> & { details: unknown }>;

// Auth0 leaves a field out of a log object when the event has no value for it.
const ALWAYS_PRESENT = new Set<OutputField>(['log_id', 'date', 'type', 'description']);

export function toAuditRow(entry: AuditEntry): AuditRow {
  const dateMs = Date.parse(entry.date);
  // The type does not prove the entry went through AuditEntrySchema; a row breaking this would
  // be skipped by checkpoint paging, so it is refused here too.
  if (logIdTimeMs(entry.log_id) !== dateMs) {
    throw new Error(`Audit entry ${entry.log_id}: log_id does not encode its date ${entry.date}`);
  }
  return {
    log_id: entry.log_id,
    date: formatDateTime64(dateMs),
    type: entry.type,
    description: entry.description,
    client_id: entry.client_id,
    client_name: entry.client_name,
    user_id: entry.user_id,
    user_name: entry.user_name,
    ip: entry.ip,
    user_agent: entry.user_agent,
    hostname: entry.hostname,
    target_client_id: entry.target_client_id,
    target_client_name: entry.target_client_name,
    connection: entry.connection,
    connection_id: entry.connection_id,
    organization_id: entry.organization_id,
    strategy: entry.strategy,
    strategy_type: entry.strategy_type,
    scope: entry.scope,
    audience: entry.audience,
    details: JSON.stringify(entry.details),
  };
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
