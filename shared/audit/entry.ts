import { z } from 'zod';
import type { Verdict } from '../clients/fold.js';
import { LOG_ID_PATTERN, logIdTimeMs } from './log-id.js';
import { findJsonViolation, RECORD_JSON_LIMITS } from '../http/json-limits.js';

export { LOG_ID_LENGTH, LOG_ID_PATTERN, logIdTimeMs, makeLogId } from './log-id.js';

// One audit entry, shaped like an Auth0 log event (OAS `Log`, LOGSCHEMA `sapi`). Producers build it
// with secrets already redacted; this schema is the contract between them and the audit table.

// seccft/feccft: Auth0's success and failure of a client credentials exchange at /oauth/token.
export const AUDIT_LOG_TYPES = ['sapi', 'fapi', 'mgmt_api_read', 'seccft', 'feccft'] as const;
export type AuditLogType = (typeof AUDIT_LOG_TYPES)[number];

const VERDICTS = ['applied', 'conflict'] as const satisfies readonly Verdict[];

/**
 * A JSON object kept as given. z.record rebuilds the object by assignment, and assigning a
 * `__proto__` key (a query string can carry one) sets the prototype instead: the key vanished
 * from the entry between the writer and audit.log's readers.
 */
export const JsonObjectSchema = z.custom<Record<string, unknown>>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), { message: 'Expected an object' });

export const AuditDetailsSchema = z.looseObject({
  request: z.object({
    method: z.string(),
    path: z.string(),
    query: JsonObjectSchema,
    // Optional: JSON drops undefined keys, and deletes, rotations, reads and refusals carry no
    // body. An entry must survive its own serialisation (audit.log, sinks) unchanged.
    body: z.unknown().optional(),
  }),
  response: z.object({
    statusCode: z.int().min(100).max(599),
    body: z.unknown().optional(),
  }),
  /** Names of the secrets the caller was shown (Auth0's `mgmt_api_read`) or that changed. */
  accessedSecrets: z.array(z.string()).optional(),
  /** Field-level diff; `before`/`after` are absent when the field did not exist on that side. */
  changes: z
    .array(z.object({ field: z.string().min(1), before: z.unknown().optional(), after: z.unknown().optional() }))
    .optional(),
  verdict: z.enum(VERDICTS).optional(),
  /** Present on a degraded entry (see degrade.ts): what could not be kept, and why. */
  degraded: z.object({ reason: z.string(), dropped: z.array(z.string()) }).optional(),
});
export type AuditDetails = z.infer<typeof AuditDetailsSchema>;

// Canonical `toISOString()` form only: the table stores milliseconds in UTC, so this is exactly
// what reads give back, and it is what the log id's time digits are compared with.
const IsoDate = z.iso.datetime({ precision: 3 });

// Auth0 log fields we have no source for yet; kept so the table and the search syntax match Auth0.
const optionalText = z.string().default('');

export const AuditEntrySchema = z
  .strictObject({
    log_id: z.string().regex(LOG_ID_PATTERN, 'log_id must be 56 digits (see makeLogId)'),
    date: IsoDate,
    type: z.enum(AUDIT_LOG_TYPES),
    description: z.string(),
    /** The caller application (the token's azp); empty when unknown, e.g. a request without a valid token. */
    client_id: z.string(),
    client_name: z.string(),
    /** The token's subject and its name. */
    user_id: z.string(),
    user_name: z.string(),
    ip: z.string(),
    user_agent: z.string(),
    hostname: z.string(),
    /** The client acted on (our addition); empty for requests not about one client. */
    target_client_id: z.string(),
    target_client_name: z.string(),
    details: AuditDetailsSchema,
    scope: z.string(),
    audience: z.string(),
    connection: optionalText,
    connection_id: optionalText,
    organization_id: optionalText,
    strategy: optionalText,
    strategy_type: optionalText,
  })
  // What every reader of audit.log takes (the codec applies the same limits to each record), so
  // an entry this schema accepts can be stored, published and delivered: well-formed text without
  // NUL anywhere, bodies included, and bounded depth and size.
  .superRefine((e, ctx) => {
    const violation = findJsonViolation(e, RECORD_JSON_LIMITS);
    if (violation) ctx.addIssue({ code: 'custom', message: violation.text, path: violation.path as Array<string | number> });
  })
  .refine((e) => logIdTimeMs(e.log_id) === Date.parse(e.date), {
    // Checkpoint paging prunes by date derived from the id (query/select.ts): they must agree.
    message: 'log_id must be made from the entry date: makeLogId(Date.parse(date), sourceKey)',
    path: ['log_id'],
  });

/** The entry's free-text fields: every top-level field but log_id, date, type and details. */
export const AUDIT_TEXT_FIELDS = [
  'description', 'client_id', 'client_name', 'user_id', 'user_name', 'ip', 'user_agent', 'hostname', 'target_client_id',
  'target_client_name', 'scope', 'audience', 'connection', 'connection_id', 'organization_id', 'strategy', 'strategy_type',
] as const satisfies ReadonlyArray<keyof z.output<typeof AuditEntrySchema>>;

/** A validated entry; the optional Auth0 fields are filled with ''. */
export type AuditEntry = z.output<typeof AuditEntrySchema>;
/** What producers pass in. */
export type AuditEntryInput = z.input<typeof AuditEntrySchema>;
