import { z } from 'zod';
import { APP_TYPES, type ClientState } from '../../../shared/clients/index.js';
import { badRequest } from '../../../shared/errors/auth0-error.js';

import { boolParam as bool, csvParam as csv } from '../../../shared/http/query-params.js';

export const FieldsQuerySchema = z.strictObject({
  fields: csv.optional().describe('Comma-separated list of fields to include or exclude'),
  include_fields: bool.optional().describe('true (default) to include the listed fields, false to exclude them'),
});

export const ListClientsQuerySchema = FieldsQuerySchema.extend({
  page: z.coerce.number().int().min(0).optional().describe('Page index, 0-based'),
  per_page: z.coerce.number().int().min(0).max(100).optional().describe('Results per page (default 50, max 100)'),
  include_totals: bool.optional().describe('Return {total,start,limit,clients} instead of an array'),
  from: z.string().optional().describe('Checkpoint: the `next` value of the previous page'),
  take: z.coerce.number().int().min(1).max(100).optional().describe('Checkpoint page size (default 50, max 100)'),
  is_global: bool.optional(),
  is_first_party: bool.optional(),
  app_type: csv.pipe(z.array(z.enum(APP_TYPES))).optional().describe('Comma-separated app types'),
  external_client_id: z.string().min(1).max(120).optional().describe('Client ID Metadata Document URI of a CIMD-registered client'),
});
export type ListClientsQuery = z.infer<typeof ListClientsQuerySchema>;

type Cursor = [createdAt: string, clientId: string];

/** Opaque for callers; the position in the (created_at, client_id) order every instance shares. */
export function encodeCursor(state: ClientState): string {
  return Buffer.from(JSON.stringify([state.created_at, state.client_id] satisfies Cursor)).toString('base64url');
}

function decodeCursor(from: string): Cursor {
  try {
    const value: unknown = JSON.parse(Buffer.from(from, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'string')) return value as Cursor;
  } catch {
    // fall through to the 400
  }
  throw badRequest('Query validation error: invalid checkpoint in "from"', 'invalid_query_string');
}

export function filterClients(clients: ClientState[], q: ListClientsQuery): ClientState[] {
  // apptrail has no global (tenant-wide legacy) client, so is_global=true matches nothing; nor
  // CIMD registration, so no client has an external_client_id to match.
  if (q.is_global === true || q.external_client_id !== undefined) return [];
  const appTypes = q.app_type && q.app_type.length > 0 ? new Set<string>(q.app_type) : undefined;
  return clients.filter(
    (c) =>
      (q.is_first_party === undefined || c.config.is_first_party === q.is_first_party) &&
      (appTypes === undefined || (c.config.app_type !== undefined && appTypes.has(c.config.app_type))),
  );
}

/** Clients strictly after the checkpoint, in the shared order. */
export function afterCursor(clients: ClientState[], from: string | undefined): ClientState[] {
  if (!from) return clients;
  const [at, id] = decodeCursor(from);
  return clients.filter((c) => c.created_at > at || (c.created_at === at && c.client_id > id));
}
