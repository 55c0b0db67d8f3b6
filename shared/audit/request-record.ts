import { z } from 'zod';
import { createEventCodec, type IncomingRecord, type OutgoingRecord } from '../events/index.js';
import { EventMetaSchema } from '../clients/envelope.js';

/**
 * What the API writes to `audit.requests` for an admin action that produced no domain event
 * (a refused or failed mutating request), that revealed secrets (a read), or that succeeded on a
 * resource whose events the audit service does not fold (log streams). Bodies are redacted
 * before they are written.
 */
export const RequestRecordSchema = z.object({
  /** token_issued / token_refused: a client credentials exchange at /oauth/token (seccft / feccft). */
  outcome: z.enum(['failure', 'secrets_read', 'token_issued', 'token_refused']),
  meta: EventMetaSchema,
  query: z.record(z.string(), z.unknown()),
  body: z.unknown().optional(),
  status: z.int().min(100).max(599),
  response_body: z.unknown().optional(),
  target_client_id: z.string(),
  /**
   * The target's name as the API saw it when it answered (token exchanges). Optional and newer:
   * without it the audit service names the target from its own fold, which may not have reached
   * a client created a moment earlier on another partition.
   */
  target_client_name: z.string().optional(),
  accessed_secrets: z.array(z.string()),
  scope: z.string(),
  /** The API a token was asked for (token exchanges only). */
  audience: z.string().optional(),
});
export type RequestRecord = z.infer<typeof RequestRecordSchema>;

const codec = createEventCodec({ 'request.audited': { version: 1, data: RequestRecordSchema } }, '/apptrail/api');

export function toRequestRecord(record: RequestRecord, opts: { id: string; time: string }): OutgoingRecord {
  return codec.serialise(codec.create('request.audited', record, { subject: record.target_client_id || record.meta.requestid, id: opts.id, time: opts.time }));
}

export function parseRequestRecord(record: IncomingRecord): { id: string; time: string; data: RequestRecord } {
  const ce = codec.parse(record);
  return { id: ce.id, time: ce.time, data: ce.data };
}
