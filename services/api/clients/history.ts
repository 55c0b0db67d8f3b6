import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ClientVersionSchema, readVersionPage, type VersionPage } from '../../../shared/client-history/index.js';
import { readOrUnavailable, type ClickHouseHandle } from '../../../shared/clickhouse/index.js';
import { notFound, unavailable } from '../../../shared/errors/auth0-error.js';
import { principalOf, requireAnyScope } from '../../../shared/auth/index.js';
import { boolParam } from '../../../shared/http/query-params.js';
import type { ClientProjection } from './projection.js';

/** Reading a client's configuration (not the summary): the history shows config fields. */
export const HISTORY_READERS = ['read:clients', 'read:client_keys', 'read:client_credentials'];

export const VersionsQuerySchema = z.strictObject({
  page: z.coerce.number().int().min(0).optional().describe('Page index, 0-based'),
  per_page: z.coerce.number().int().min(1).max(100).optional().describe('Versions per page (default 50, max 100)'),
  include_totals: boolParam.optional().describe('Return {total,start,limit,versions} instead of an array'),
  from: z.string().regex(/^[0-9]{1,10}$/, 'must be a version number').optional().describe('Checkpoint: the `next` value of the previous page (a version)'),
  take: z.coerce.number().int().min(1).max(100).optional().describe('Checkpoint page size (default 50, max 100)'),
});

const IdParams = z.strictObject({ id: z.string().min(1).max(64).describe('The client_id') });
export const HISTORY_UNAVAILABLE = 'The client history (ClickHouse)';

export interface HistoryRoutesDeps {
  /** Where the projector keeps client_versions; absent: this process has no ClickHouse. */
  ch: Pick<ClickHouseHandle, 'client'> | undefined;
  projection: ClientProjection;
}

/** The handle, or a 503: an instance started without ClickHouse cannot answer history reads. */
export function historyStore(ch: Pick<ClickHouseHandle, 'client'> | undefined): Pick<ClickHouseHandle, 'client'> {
  if (!ch) throw unavailable(`${HISTORY_UNAVAILABLE} is not configured on this instance`);
  return ch;
}

/**
 * GET /api/v2/clients/{id}/versions: every applied event of a client, deleted clients included,
 * from the projector's client_versions table. The table may trail the API's own projection by a
 * moment (the projector is a separate consumer), so a version just written may not be listed yet.
 */
export async function historyRoutes(app: FastifyInstance, deps: HistoryRoutesDeps): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/api/v2/clients/:id/versions',
    {
      schema: {
        tags: ['clients'],
        summary: "List a client's versions (deleted clients included)",
        params: IdParams,
        querystring: VersionsQuerySchema,
        response: { 200: z.union([z.array(ClientVersionSchema), z.object({}).loose()]) },
      },
    },
    async (req) => {
      requireAnyScope(principalOf(req), HISTORY_READERS);
      const ch = historyStore(deps.ch);
      const q = req.query;
      const checkpoint = q.from !== undefined || q.take !== undefined;
      const limit = checkpoint ? (q.take ?? 50) : (q.per_page ?? 50);
      const start = checkpoint ? 0 : (q.page ?? 0) * limit;
      const afterVersion = q.from === undefined ? 0 : Number(q.from);
      const page: VersionPage = await readOrUnavailable(HISTORY_UNAVAILABLE, () => readVersionPage(ch, req.params.id, { afterVersion, offset: start, limit }));
      // Unknown to the table and to this instance's projection: no such client. Known to the
      // projection only: the projector has not written it yet, an empty history for now.
      if (page.total === 0 && !deps.projection.store.get(req.params.id)) throw notFound();
      if (checkpoint) {
        const last = page.versions.at(-1);
        const more = last !== undefined && last.version < page.total;
        return { versions: page.versions, ...(more ? { next: String(last.version) } : {}) };
      }
      return q.include_totals ? { total: page.total, start, limit, versions: page.versions } : page.versions;
    },
  );
}
