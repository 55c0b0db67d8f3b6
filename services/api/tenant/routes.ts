import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { principalOf, requireAnyScope } from '../../../shared/auth/index.js';
import { badRequest } from '../../../shared/errors/auth0-error.js';
import { boolParam } from '../../../shared/http/query-params.js';
import {
  ClientGrantCreateSchema, ClientGrantResponseSchema, ClientGrantUpdateSchema, clientGrantNotFound, presentClientGrant, presentResourceServer, presentSigningKey,
  ResourceServerCreateSchema, ResourceServerResponseSchema, ResourceServerUpdateSchema, resourceServerNotFound, SIGNING_KEYS_ID, SigningKeyResponseSchema,
  signingKeyNotFound, TENANT_SETTINGS_ID, TenantSettingsResponseSchema, TenantSettingsUpdateSchema, DEFAULT_TENANT_SETTINGS,
  type StateOf, type TenantDirectory, type TenantProjection,
} from '../../../shared/tenant/index.js';
import type { ResourceServerView } from '../../../shared/oauth/ports.js';
import { requestMeta } from '../request-meta.js';
import { catchUpOrFlagStale, catchUpOrUnavailable } from '../projection-reads.js';
import type { TenantCommands } from './commands.js';

const ErrorSchema = z.object({ statusCode: z.number(), error: z.string(), message: z.string(), errorCode: z.string().optional() });
const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema, 429: ErrorSchema, 503: ErrorSchema };
const IdParams = z.strictObject({ id: z.string().min(1).max(64) });
const KidParams = z.strictObject({ kid: z.string().min(1).max(128) });
const Paging = {
  page: z.coerce.number().int().min(0).optional().describe('Page index, 0-based'),
  per_page: z.coerce.number().int().min(1).max(100).optional().describe('Results per page (default 50, max 100)'),
  include_totals: boolParam.optional().describe('Return {total,start,limit,<items>} instead of an array'),
};
const ListResourceServersQuery = z.strictObject(Paging);
const ListClientGrantsQuery = z.strictObject({ ...Paging, audience: z.string().min(1).max(600).optional(), client_id: z.string().min(1).max(64).optional() });

/** Auth0's offset paging: an array, or with include_totals the page wrapped with its totals. */
function page<T>(items: T[], q: { page?: number; per_page?: number; include_totals?: boolean }, name: string) {
  const limit = q.per_page ?? 50;
  const start = (q.page ?? 0) * limit;
  const slice = items.slice(start, start + limit);
  return q.include_totals ? { [name]: slice, start, limit, total: items.length } : slice;
}

export interface TenantRoutesDeps {
  commands: TenantCommands;
  projection: TenantProjection;
  directory: TenantDirectory;
  managementApi: ResourceServerView;
  clientLive: (clientId: string) => boolean;
  /** Catches the clients fold up (503 when it cannot): a grant is decided on whether its client exists. */
  clientsCaughtUp: () => Promise<void>;
  readWaitMs?: number;
}

export async function tenantRoutes(app: FastifyInstance, deps: TenantRoutesDeps): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { commands, projection, managementApi } = deps;
  const store = projection.store;
  const system = presentResourceServer({ id: managementApi.id, data: { ...managementApi, scopes: [...managementApi.scopes], allow_offline_access: false, skip_consent_for_verifiable_first_party_clients: false } }, true);
  const read = (reply: Parameters<typeof catchUpOrFlagStale>[1]) => catchUpOrFlagStale(projection, reply, deps.readWaitMs);
  const write = () => catchUpOrUnavailable(projection, deps.readWaitMs);
  /** A grant counts only while its client lives and it belongs to the current life of its API. */
  const usable = (g: StateOf<'client_grant'>) => deps.directory.grant(g.data.client_id, g.data.audience) !== undefined;

  // Resource servers ---------------------------------------------------------------------------
  let tags = ['resource-servers'];
  r.get('/api/v2/resource-servers', { schema: { tags, summary: 'Get resource servers', querystring: ListResourceServersQuery, response: { 200: z.union([z.array(ResourceServerResponseSchema), z.object({}).loose()]), ...errors } } }, async (req, reply) => {
    requireAnyScope(principalOf(req), ['read:resource_servers']);
    await read(reply);
    return page([system, ...store.live('resource_server').map((s) => presentResourceServer(s))], req.query, 'resource_servers');
  });
  r.get('/api/v2/resource-servers/:id', { schema: { tags, summary: 'Get a resource server', params: IdParams, response: { 200: ResourceServerResponseSchema, ...errors } } }, async (req, reply) => {
    requireAnyScope(principalOf(req), ['read:resource_servers']);
    await read(reply);
    if (req.params.id === system.id) return system;
    const s = store.liveOf('resource_server', req.params.id);
    if (!s) throw resourceServerNotFound();
    return presentResourceServer(s);
  });
  r.post('/api/v2/resource-servers', { schema: { tags, summary: 'Create a resource server', body: ResourceServerCreateSchema, response: { 201: ResourceServerResponseSchema, ...errors } } }, async (req, reply) => {
    requireAnyScope(principalOf(req), ['create:resource_servers']);
    await write();
    return reply.code(201).send(presentResourceServer(await commands.createResourceServer(req.body, requestMeta(req), managementApi.identifier)));
  });
  r.patch('/api/v2/resource-servers/:id', { schema: { tags, summary: 'Update a resource server', params: IdParams, body: ResourceServerUpdateSchema, response: { 200: ResourceServerResponseSchema, ...errors } } }, async (req) => {
    requireAnyScope(principalOf(req), ['update:resource_servers']);
    if (req.params.id === system.id) throw badRequest('The Management API is a system resource server and cannot be modified', 'operation_not_supported');
    await write();
    return presentResourceServer((await commands.updateResourceServer(req.params.id, req.body, requestMeta(req))) as StateOf<'resource_server'>);
  });
  r.delete('/api/v2/resource-servers/:id', { schema: { tags, summary: 'Delete a resource server', params: IdParams, response: { 204: z.null(), ...errors } } }, async (req, reply) => {
    requireAnyScope(principalOf(req), ['delete:resource_servers']);
    if (req.params.id === system.id) throw badRequest('The Management API is a system resource server and cannot be deleted', 'operation_not_supported');
    await write();
    await commands.deleteResourceServer(req.params.id, requestMeta(req));
    return reply.code(204).send(null);
  });

  // Client grants ------------------------------------------------------------------------------
  tags = ['client-grants'];
  r.get('/api/v2/client-grants', { schema: { tags, summary: 'Get client grants', querystring: ListClientGrantsQuery, response: { 200: z.union([z.array(ClientGrantResponseSchema), z.object({}).loose()]), ...errors } } }, async (req, reply) => {
    requireAnyScope(principalOf(req), ['read:client_grants']);
    await read(reply);
    const { audience, client_id } = req.query;
    const grants = store.live('client_grant').filter((g) => usable(g) && (audience === undefined || g.data.audience === audience) && (client_id === undefined || g.data.client_id === client_id));
    return page(grants.map(presentClientGrant), req.query, 'client_grants');
  });
  r.get('/api/v2/client-grants/:id', { schema: { tags, summary: 'Get a client grant', params: IdParams, response: { 200: ClientGrantResponseSchema, ...errors } } }, async (req, reply) => {
    requireAnyScope(principalOf(req), ['read:client_grants']);
    await read(reply);
    const g = store.liveOf('client_grant', req.params.id);
    if (!g || !usable(g)) throw clientGrantNotFound();
    return presentClientGrant(g);
  });
  r.post('/api/v2/client-grants', { schema: { tags, summary: 'Create a client grant', body: ClientGrantCreateSchema, response: { 201: ClientGrantResponseSchema, ...errors } } }, async (req, reply) => {
    requireAnyScope(principalOf(req), ['create:client_grants']);
    await Promise.all([write(), deps.clientsCaughtUp()]);
    return reply.code(201).send(presentClientGrant(await commands.createClientGrant(req.body, requestMeta(req))));
  });
  r.patch('/api/v2/client-grants/:id', { schema: { tags, summary: 'Update a client grant', params: IdParams, body: ClientGrantUpdateSchema, response: { 200: ClientGrantResponseSchema, ...errors } } }, async (req) => {
    requireAnyScope(principalOf(req), ['update:client_grants']);
    await write();
    const g = store.liveOf('client_grant', req.params.id);
    if (!g || !usable(g)) throw clientGrantNotFound();
    return presentClientGrant((await commands.updateClientGrant(req.params.id, req.body, requestMeta(req))) as StateOf<'client_grant'>);
  });
  r.delete('/api/v2/client-grants/:id', { schema: { tags, summary: 'Delete a client grant', params: IdParams, response: { 204: z.null(), ...errors } } }, async (req, reply) => {
    requireAnyScope(principalOf(req), ['delete:client_grants']);
    await write();
    await commands.deleteClientGrant(req.params.id, requestMeta(req));
    return reply.code(204).send(null);
  });

  // Tenant settings ----------------------------------------------------------------------------
  tags = ['tenants'];
  const settings = () => {
    const d = store.liveOf('tenant_settings', TENANT_SETTINGS_ID)?.data ?? DEFAULT_TENANT_SETTINGS;
    return {
      ...(d.friendly_name === undefined ? {} : { friendly_name: d.friendly_name }),
      ...(d.support_email === undefined ? {} : { support_email: d.support_email }),
      flags: { enable_dynamic_client_registration: d.enable_dynamic_client_registration },
    };
  };
  r.get('/api/v2/tenants/settings', { schema: { tags, summary: 'Get tenant settings', response: { 200: TenantSettingsResponseSchema, ...errors } } }, async (req, reply) => {
    requireAnyScope(principalOf(req), ['read:tenant_settings']);
    await read(reply);
    return settings();
  });
  r.patch('/api/v2/tenants/settings', { schema: { tags, summary: 'Update tenant settings', body: TenantSettingsUpdateSchema, response: { 200: TenantSettingsResponseSchema, ...errors } } }, async (req) => {
    requireAnyScope(principalOf(req), ['update:tenant_settings']);
    await write();
    await commands.updateSettings(req.body, requestMeta(req));
    return settings();
  });

  // Signing keys -------------------------------------------------------------------------------
  tags = ['keys'];
  const keys = () => {
    const s = store.liveOf('signing_keys', SIGNING_KEYS_ID);
    if (!s) throw signingKeyNotFound();
    return s.data;
  };
  r.get('/api/v2/keys/signing', { schema: { tags, summary: 'Get all application signing keys', response: { 200: z.array(SigningKeyResponseSchema), ...errors } } }, async (req, reply) => {
    requireAnyScope(principalOf(req), ['read:signing_keys']);
    await read(reply);
    const data = keys();
    return data.keys.map((k) => presentSigningKey(k, data));
  });
  r.get('/api/v2/keys/signing/:kid', { schema: { tags, summary: 'Get an application signing key by its key id', params: KidParams, response: { 200: SigningKeyResponseSchema, ...errors } } }, async (req, reply) => {
    requireAnyScope(principalOf(req), ['read:signing_keys']);
    await read(reply);
    const data = keys();
    const k = data.keys.find((x) => x.kid === req.params.kid);
    if (!k) throw signingKeyNotFound();
    return presentSigningKey(k, data);
  });
  r.post('/api/v2/keys/signing/rotate', { schema: { tags, summary: 'Rotate the application signing key', response: { 201: z.object({ cert: z.string(), kid: z.string() }), ...errors } } }, async (req, reply) => {
    requireAnyScope(principalOf(req), ['create:signing_keys', 'update:signing_keys']);
    await write();
    const s = await commands.rotateKeys(requestMeta(req));
    const next = s.data.keys.find((k) => k.kid === s.data.next_kid)!;
    // Auth0 answers with the new next key's cert and kid.
    return reply.code(201).send({ cert: next.cert, kid: next.kid });
  });
  r.put('/api/v2/keys/signing/:kid/revoke', { schema: { tags, summary: 'Revoke an application signing key by its key id', params: KidParams, response: { 200: z.object({ cert: z.string(), kid: z.string() }), ...errors } } }, async (req) => {
    requireAnyScope(principalOf(req), ['update:signing_keys']);
    await write();
    const s = await commands.revokeKey(req.params.kid, requestMeta(req));
    const k = s.data.keys.find((x) => x.kid === req.params.kid)!;
    return { cert: k.cert, kid: k.kid };
  });
}
