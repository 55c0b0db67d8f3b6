import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ClientCreateSchema, ClientPartialSchema, ClientUpdateSchema } from '../../../shared/clients/index.js';
import { secretFieldsIn } from '../../../shared/audit/index.js';
import { requestMeta } from '../request-meta.js';
import type { SecretBox } from '../../../shared/crypto/secret-box.js';
import { forbidden, notFound } from '../../../shared/errors/auth0-error.js';
import { principalOf, requireAnyScope } from '../../../shared/auth/index.js';
import type { ClientCommands } from './commands.js';
import type { ClientProjection } from './projection.js';
import { presentClient, readView, type PresentOptions, type TenantView } from './present.js';
import { catchUpOrFlagStale } from '../projection-reads.js';
import { afterCursor, encodeCursor, FieldsQuerySchema, filterClients, ListClientsQuerySchema } from './query.js';
import { AsOfSchema, readStateAsOf } from '../../../shared/client-history/index.js';
import { readOrUnavailable, type ClickHouseHandle } from '../../../shared/clickhouse/index.js';
import { HISTORY_UNAVAILABLE, historyRoutes, historyStore } from './history.js';

const READ = ['read:clients', 'read:client_keys', 'read:client_credentials', 'read:client_summary'];
const UPDATE = ['update:clients', 'update:client_keys', 'update:client_credentials'];
const IdParams = z.strictObject({ id: z.string().min(1).max(64).describe('The client_id') });
const ErrorSchema = z.object({ statusCode: z.number(), error: z.string(), message: z.string(), errorCode: z.string().optional() });
const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema, 429: ErrorSchema, 503: ErrorSchema };

export interface ClientRoutesDeps {
  commands: ClientCommands;
  projection: ClientProjection;
  box: SecretBox;
  /** The tenant name and signing certificates every client shows. */
  tenant?: TenantView;
  /** How long a read waits for the projection to catch up before answering it flagged stale. */
  readWaitMs?: number;
  /** The projector's client_versions table, for ?as_of= and /versions (see history.ts). */
  history?: Pick<ClickHouseHandle, 'client'>;
}

const GetClientQuerySchema = FieldsQuerySchema.extend({ as_of: AsOfSchema.optional() });

/** The secret fields a read answer carries, for the audit trail (mgmt_api_read). */
function revealed(clients: object[]): string[] {
  return [...new Set(clients.flatMap((c) => secretFieldsIn(c)))];
}

export async function clientRoutes(app: FastifyInstance, deps: ClientRoutesDeps): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { commands, projection, box } = deps;
  const tags = ['clients'];
  const present = (state: Parameters<typeof presentClient>[0], opts: PresentOptions) => presentClient(state, box, { ...opts, tenant: deps.tenant });

  r.post('/api/v2/clients', { schema: { tags, summary: 'Create a client', body: ClientCreateSchema, response: { 201: ClientPartialSchema, ...errors } } }, async (req, reply) => {
    requireAnyScope(principalOf(req), ['create:clients']);
    const { state, clientSecret } = await commands.create(req.body, requestMeta(req));
    // The secret was made for this request: shown as made rather than decrypted again.
    const opener: SecretBox = { keyId: box.keyId, seal: (plain) => box.seal(plain), open: (sealed) => (sealed === state.client_secret_sealed ? clientSecret : box.open(sealed)) };
    return reply.code(201).send(presentClient(state, opener, { secrets: true, tenant: deps.tenant }));
  });

  r.get(
    '/api/v2/clients',
    { schema: { tags, summary: 'Get clients', querystring: ListClientsQuerySchema, response: { 200: z.union([z.array(ClientPartialSchema), z.object({}).loose()]), ...errors } } },
    async (req, reply) => {
      const principal = principalOf(req);
      requireAnyScope(principal, READ);
      await catchUpOrFlagStale(projection, reply, deps.readWaitMs);
      const q = req.query;
      const view = { ...readView(principal), fields: q.fields, includeFields: q.include_fields };
      const matching = filterClients(projection.store.live(), q);

      if (q.from !== undefined || q.take !== undefined) {
        const take = q.take ?? 50;
        const rest = afterCursor(matching, q.from);
        const page = rest.slice(0, take);
        const last = page.at(-1);
        const clients = page.map((s) => present(s, view));
        req.revealedSecrets = revealed(clients);
        return { clients, ...(rest.length > take && last ? { next: encodeCursor(last) } : {}) };
      }
      const perPage = q.per_page ?? 50;
      const pageIndex = q.page ?? 0;
      const start = pageIndex * perPage;
      const clients = matching.slice(start, start + perPage).map((s) => present(s, view));
      req.revealedSecrets = revealed(clients);
      return q.include_totals ? { total: matching.length, start, limit: perPage, clients } : clients;
    },
  );

  r.get('/api/v2/clients/:id', { schema: { tags, summary: 'Get a client, now or as it was (as_of)', params: IdParams, querystring: GetClientQuerySchema, response: { 200: ClientPartialSchema, ...errors } } }, async (req, reply) => {
    const principal = principalOf(req);
    requireAnyScope(principal, READ);
    const asOf = req.query.as_of;
    let state;
    if (asOf === undefined) {
      await catchUpOrFlagStale(projection, reply, deps.readWaitMs);
      state = projection.store.get(req.params.id);
    } else {
      const ch = historyStore(deps.history);
      state = await readOrUnavailable(HISTORY_UNAVAILABLE, () => readStateAsOf(ch, req.params.id, asOf));
    }
    // A version or time at which the client was deleted, or did not exist yet: as Auth0 answers a deleted client.
    if (!state || state.deleted) throw notFound();
    const client = present(state, { ...readView(principal), fields: req.query.fields, includeFields: req.query.include_fields });
    req.revealedSecrets = revealed([client]);
    return client;
  });

  await historyRoutes(app, { ch: deps.history, projection });

  r.patch('/api/v2/clients/:id', { schema: { tags, summary: 'Update a client', params: IdParams, body: ClientUpdateSchema, response: { 200: ClientPartialSchema, ...errors } } }, async (req) => {
    const principal = principalOf(req);
    requireAnyScope(principal, UPDATE);
    // Auth0: the secret and keys can be set only with update:client_keys.
    if ((req.body.client_secret !== undefined || req.body.encryption_key !== undefined) && !principal.scopes.has('update:client_keys')) {
      throw forbidden('Insufficient scope, expected any of: update:client_keys');
    }
    const state = await commands.update(req.params.id, req.body, requestMeta(req));
    return present(state, { secrets: readView(principal).secrets || principal.scopes.has('update:client_keys') });
  });

  r.delete('/api/v2/clients/:id', { schema: { tags, summary: 'Delete a client', params: IdParams, response: { 204: z.null(), ...errors } } }, async (req, reply) => {
    requireAnyScope(principalOf(req), ['delete:clients']);
    await commands.remove(req.params.id, requestMeta(req));
    return reply.code(204).send(null);
  });

  r.post('/api/v2/clients/:id/rotate-secret', { schema: { tags, summary: 'Rotate a client secret', params: IdParams, response: { 200: ClientPartialSchema, ...errors } } }, async (req) => {
    requireAnyScope(principalOf(req), ['update:client_keys']);
    const state = await commands.rotateSecret(req.params.id, requestMeta(req));
    return present(state, { secrets: true });
  });
}
