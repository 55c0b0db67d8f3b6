import { dateTime64ToIso } from './datetime.js';
import type { AuditEntry } from './entry.js';
import { OUTPUT_FIELDS, type OutputField } from './fields.js';
import { logIdTimeMs } from './log-id.js';

/** A log object as GET /logs returns it (Auth0's `Log`, plus our target client fields). */
export type LogObject = Partial<Record<OutputField, unknown>>;

/**
 * How Auth0 shows a field without a value, from its recorded answers (auth0/go-auth0
 * test/data/recordings/TestLogManager*.yaml, 2023): these keys are always there, null when empty.
 * description and client_name stay "" (what Auth0 sends on sapi entries); scope is left out when
 * empty (absent from every entry of the newer recordings); our target_client_* too.
 */
const NULL_WHEN_EMPTY = new Set<OutputField>([
  'connection', 'connection_id', 'organization_id', 'client_id', 'ip', 'hostname', 'user_id', 'user_name', 'user_agent',
  'audience', 'strategy', 'strategy_type',
]);
const KEPT_WHEN_EMPTY = new Set<OutputField>(['log_id', 'type', 'description', 'client_name']);
/** Fields a Management API action has no source for: Auth0 sends these values for its sapi entries. */
const CONSTANT: Partial<Record<OutputField, unknown>> = { organization_name: null, isMobile: false, location_info: null };

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

const text = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Auth0's details.request.auth for a Management API call: the token's user ({} for a client
 * credentials token, whose subject ends in @clients), strategy jwt, and the token's scopes when
 * the entry kept them. No caller at all (a request without a valid token): no auth.
 */
function authOf(row: Record<string, unknown>): Record<string, unknown> | undefined {
  const userId = text(row.user_id);
  if (userId === '' && text(row.client_id) === '') return undefined;
  const name = text(row.user_name);
  const user = userId === '' || userId.endsWith('@clients') ? {} : { user_id: userId, ...(name === '' ? {} : { name }) };
  const scope = text(row.scope);
  return { user, strategy: 'jwt', credentials: scope === '' ? {} : { scopes: scope.split(' ').filter(Boolean) } };
}

/**
 * details with Auth0's request context (auth, channel, ip, userAgent) added from the entry's
 * caller columns. Whatever the stored request already carries wins, so an entry that records
 * them itself is shown as it was written.
 */
function presentDetails(value: unknown, row: Record<string, unknown>): unknown {
  const details: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  if (!isRecord(details) || !isRecord(details.request)) return details;
  const context: Record<string, unknown> = { channel: 'api' };
  const auth = authOf(row);
  if (auth) context.auth = auth;
  if (text(row.ip) !== '') context.ip = text(row.ip);
  if (text(row.user_agent) !== '') context.userAgent = text(row.user_agent);
  return { ...details, request: { ...context, ...details.request } };
}

const LINK_FIELDS = new Set<OutputField>(['chain', 'chain_seq', 'prev_hash', 'hash']);

function present(field: OutputField, row: Record<string, unknown>): { value: unknown } | undefined {
  if (Object.hasOwn(CONSTANT, field)) return { value: CONSTANT[field] };
  if (LINK_FIELDS.has(field)) {
    // Only a chained entry has a link; a UInt64 arrives as a string, and seqs stay far below 2^53.
    if (text(row.chain) === '') return undefined;
    return { value: field === 'chain_seq' ? Number(row.chain_seq) : row[field] };
  }
  if (field === '_id') return { value: row.log_id };
  if (field === 'date') return { value: dateTime64ToIso(String(row.date)) };
  if (field === 'details') return { value: presentDetails(row.details, row) };
  const value = row[field];
  if (value !== '' && value !== undefined && value !== null) return { value };
  if (NULL_WHEN_EMPTY.has(field)) return { value: null };
  if (KEPT_WHEN_EMPTY.has(field)) return { value: value ?? '' };
  return undefined;
}

/**
 * A row read by the SELECTs of query/select.ts as an Auth0 log object with the given fields
 * (all by default): date in ISO 8601, details parsed, empty fields as Auth0 shows them. The row
 * must hold the columns fields.ts `columnsFor(fields)` names; other columns are dropped.
 */
export function fromAuditRow(row: Record<string, unknown>, fields: readonly OutputField[] = OUTPUT_FIELDS): LogObject {
  const out: LogObject = {};
  for (const field of fields) {
    const shown = present(field, row);
    if (shown) out[field] = shown.value;
  }
  return out;
}
