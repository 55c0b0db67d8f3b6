import { isDeepStrictEqual } from 'node:util';
import { badRequest, conflict, notFound, unavailable } from '../errors/auth0-error.js';
import type { TenantEventOf } from './events.js';
import type { StateOf, TenantResourceState } from './fold.js';
import { clientGrantId, resourceServerId, SIGNING_KEYS_ID, TENANT_SETTINGS_ID } from './ids.js';
import type { ClientGrantCreate, ClientGrantUpdate, ResourceServerCreate, ResourceServerUpdate, SigningKeyRecord, TenantSettingsUpdate } from './schema.js';

// Commands → events, decided on the caller's fold of the subject. Each returns the event to append
// with the version it was decided on, undefined when nothing would change, or throws an Auth0Error.
// Auth0's messages where its recordings show them; errorCodes are apptrail's (Auth0 often sends none).

export const resourceServerNotFound = () => notFound('The resource server does not exist', 'inexistent_resource_server');
export const clientGrantNotFound = () => notFound('The client grant does not exist', 'inexistent_client_grant');
export const signingKeyNotFound = () => notFound('Signing key not found', 'inexistent_signing_key');

/** Default lifetime Auth0 gives an API's tokens: 24 h. */
export const DEFAULT_TOKEN_LIFETIME = 86_400;

const live = <K extends TenantResourceState['kind']>(state: TenantResourceState | undefined, kind: K): StateOf<K> | undefined =>
  state && !state.deleted && state.kind === kind ? (state as StateOf<K>) : undefined;
/** A deleted subject is re-created on top of its tombstone; a new one from version 0. */
const versionOf = (state: TenantResourceState | undefined) => state?.version ?? 0;

/** The resource server a grant may name: a stored one, or the built-in Management API. */
export interface AudienceView {
  identifier: string;
  scopes: ReadonlyArray<{ value: string }>;
  incarnation: number;
}

export function decideCreateResourceServer(state: TenantResourceState | undefined, input: ResourceServerCreate, systemIdentifier: string): TenantEventOf<'resource_server.created'> {
  if (live(state, 'resource_server') || input.identifier === systemIdentifier) throw conflict('A resource server with the same identifier already exists', 'resource_server_conflict');
  assertUniqueScopes(input.scopes ?? []);
  return {
    type: 'resource_server.created',
    subject: resourceServerId(input.identifier),
    expected_version: versionOf(state),
    data: {
      identifier: input.identifier,
      name: input.name ?? input.identifier,
      scopes: input.scopes ?? [],
      signing_alg: input.signing_alg ?? 'RS256',
      token_lifetime: input.token_lifetime ?? DEFAULT_TOKEN_LIFETIME,
      allow_offline_access: input.allow_offline_access ?? false,
      skip_consent_for_verifiable_first_party_clients: input.skip_consent_for_verifiable_first_party_clients ?? false,
    },
  };
}

function assertUniqueScopes(scopes: ReadonlyArray<{ value: string }>): void {
  const seen = new Set<string>();
  for (const s of scopes) {
    if (seen.has(s.value)) throw badRequest(`Payload validation error: 'Duplicate scope value: ${s.value}' on property scopes.`);
    seen.add(s.value);
  }
}

export function decideUpdateResourceServer(state: TenantResourceState | undefined, patch: ResourceServerUpdate): TenantEventOf<'resource_server.updated'> | undefined {
  const current = live(state, 'resource_server');
  if (!current) throw resourceServerNotFound();
  if (patch.scopes) assertUniqueScopes(patch.scopes);
  const changes: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(patch)) if (v !== undefined && !isDeepStrictEqual(v, (current.data as Record<string, unknown>)[k])) changes[k] = v;
  if (Object.keys(changes).length === 0) return undefined;
  return { type: 'resource_server.updated', subject: current.id, expected_version: current.version, data: { changes } };
}

/** Deleting what is gone changes nothing (204), as for log streams. */
export function decideDeleteResourceServer(state: TenantResourceState | undefined): TenantEventOf<'resource_server.deleted'> | undefined {
  const current = live(state, 'resource_server');
  return current && { type: 'resource_server.deleted', subject: current.id, expected_version: current.version, data: {} };
}

function assertScopesOf(audience: AudienceView, scope: readonly string[]): void {
  const known = new Set(audience.scopes.map((s) => s.value));
  const unknown = scope.filter((s) => !known.has(s));
  if (unknown.length > 0) throw badRequest(`Client grant scopes must be defined on the resource server ${audience.identifier}: ${unknown.join(', ')}`, 'invalid_scope');
}

/**
 * `audience` is undefined when no such resource server exists, `clientExists` whether the client
 * is live: Auth0 answers both with 404.
 */
export function decideCreateClientGrant(
  state: TenantResourceState | undefined,
  input: ClientGrantCreate,
  ctx: { clientExists: boolean; audience: AudienceView | undefined },
): TenantEventOf<'client_grant.created'> {
  if (!ctx.clientExists) throw notFound('Client not found', 'inexistent_client');
  if (!ctx.audience) throw notFound(`No resource server found for audience ${input.audience}`, 'inexistent_resource_server');
  const current = live(state, 'client_grant');
  // A grant of a previous life of the API (deleted, then re-created) does not count as existing.
  if (current && current.data.audience_incarnation === ctx.audience.incarnation) throw conflict('A client grant for this client and audience already exists', 'client_grant_conflict');
  assertScopesOf(ctx.audience, input.scope);
  const data = { client_id: input.client_id, audience: input.audience, scope: [...new Set(input.scope)], audience_incarnation: ctx.audience.incarnation };
  return { type: 'client_grant.created', subject: clientGrantId(input.client_id, input.audience), expected_version: versionOf(state), data };
}

export function decideUpdateClientGrant(
  state: TenantResourceState | undefined,
  patch: ClientGrantUpdate,
  audienceOf: (identifier: string) => AudienceView | undefined,
): TenantEventOf<'client_grant.updated'> | undefined {
  const current = live(state, 'client_grant');
  if (!current) throw clientGrantNotFound();
  if (patch.scope === undefined) return undefined;
  const audience = audienceOf(current.data.audience);
  if (!audience) throw notFound(`No resource server found for audience ${current.data.audience}`, 'inexistent_resource_server');
  assertScopesOf(audience, patch.scope);
  const scope = [...new Set(patch.scope)];
  if (isDeepStrictEqual(scope, current.data.scope)) return undefined;
  return { type: 'client_grant.updated', subject: current.id, expected_version: current.version, data: { scope } };
}

export function decideDeleteClientGrant(state: TenantResourceState | undefined): TenantEventOf<'client_grant.deleted'> | undefined {
  const current = live(state, 'client_grant');
  return current && { type: 'client_grant.deleted', subject: current.id, expected_version: current.version, data: {} };
}

export function decideUpdateSettings(state: TenantResourceState | undefined, patch: TenantSettingsUpdate): TenantEventOf<'tenant_settings.updated'> | undefined {
  const current = live(state, 'tenant_settings');
  const wanted: Record<string, unknown> = {
    ...(patch.flags?.enable_dynamic_client_registration === undefined ? {} : { enable_dynamic_client_registration: patch.flags.enable_dynamic_client_registration }),
    ...(patch.friendly_name === undefined ? {} : { friendly_name: patch.friendly_name }),
    ...(patch.support_email === undefined ? {} : { support_email: patch.support_email }),
  };
  const changes: Record<string, unknown> = {};
  const now: Record<string, unknown> = current?.data ?? { enable_dynamic_client_registration: false };
  for (const [k, v] of Object.entries(wanted)) if (now[k] !== v) changes[k] = v;
  if (Object.keys(changes).length === 0) return undefined;
  return { type: 'tenant_settings.updated', subject: TENANT_SETTINGS_ID, expected_version: versionOf(state), data: { changes } };
}

/** First start: undefined once keys exist (another instance won the race, or an earlier start). */
export function decideInitialiseKeys(state: TenantResourceState | undefined, keys: { current: SigningKeyRecord; next: SigningKeyRecord }): TenantEventOf<'signing_keys.initialised'> | undefined {
  if (live(state, 'signing_keys')) return undefined;
  return { type: 'signing_keys.initialised', subject: SIGNING_KEYS_ID, expected_version: versionOf(state), data: keys };
}

export function decideRotateKeys(state: TenantResourceState | undefined, next: SigningKeyRecord): TenantEventOf<'signing_keys.rotated'> {
  const current = live(state, 'signing_keys');
  if (!current) throw unavailable('The signing keys are not initialised yet. Retry shortly.');
  return { type: 'signing_keys.rotated', subject: SIGNING_KEYS_ID, expected_version: current.version, data: { next } };
}

/** Revoking a key already revoked changes nothing; the current and next keys cannot be revoked. */
export function decideRevokeKey(state: TenantResourceState | undefined, kid: string): TenantEventOf<'signing_keys.revoked'> | undefined {
  const current = live(state, 'signing_keys');
  const key = current?.data.keys.find((k) => k.kid === kid);
  if (!current || !key) throw signingKeyNotFound();
  if (key.revoked_at !== undefined) return undefined;
  if (kid === current.data.current_kid) throw badRequest('The current signing key cannot be revoked. Rotate the keys first.', 'invalid_signing_key');
  if (kid === current.data.next_kid) throw badRequest('The next signing key cannot be revoked. Rotate the keys first.', 'invalid_signing_key');
  return { type: 'signing_keys.revoked', subject: SIGNING_KEYS_ID, expected_version: current.version, data: { kid } };
}
