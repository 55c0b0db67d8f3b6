import type { KeyObject } from 'node:crypto';
import type { JSONWebKeySet } from 'jose';
import type { SecretBox } from '../crypto/secret-box.js';
import { unavailable } from '../errors/auth0-error.js';
import type { AuthorizationDirectory, ClientGrantView, IssuingKey, ResourceServerView, TenantSettingsView } from '../oauth/ports.js';
import type { AudienceView } from './decide.js';
import { clientGrantId, resourceServerId, SIGNING_KEYS_ID, TENANT_SETTINGS_ID } from './ids.js';
import { openPrivateKey, publicJwk, publishedKeyRecords } from './keys.js';
import type { TenantStore } from './store.js';
import { DEFAULT_TENANT_SETTINGS } from './schema.js';
import { DEFAULT_TOKEN_LIFETIME } from './decide.js';

/** The built-in Management API: not stored, made from config (AUTH_AUDIENCE) and the scopes the routes check. */
export function managementResourceServer(identifier: string, scopes: readonly string[]): ResourceServerView {
  return {
    id: resourceServerId(identifier),
    identifier,
    name: 'Auth0 Management API',
    scopes: scopes.map((value) => ({ value })),
    token_lifetime: DEFAULT_TOKEN_LIFETIME,
    signing_alg: 'RS256',
    is_system: true,
  };
}

export interface TenantDirectoryDeps {
  store: TenantStore;
  box: SecretBox;
  /** The built-in Management API (managementResourceServer). */
  managementApi: ResourceServerView;
  /** Whether the client exists and is not deleted: grants of deleted clients are void. */
  clientLive: (clientId: string) => boolean;
}

export interface TenantDirectory extends AuthorizationDirectory {
  /** The resource server a grant may name, with the life it is in (0 for the built-in one). */
  audience(identifier: string): AudienceView | undefined;
}

/**
 * AuthorizationDirectory (shared/oauth/ports.ts) over the tenant.events fold. Reads only, straight
 * from the projection's store, so it is as fresh as the projection; the opened issuing key is
 * cached per kid (opening means AES-GCM plus PEM parsing).
 */
export function createTenantDirectory(deps: TenantDirectoryDeps): TenantDirectory {
  const { store, managementApi } = deps;
  let opened: { kid: string; key: KeyObject } | undefined;
  let published: { data: ReturnType<typeof keys>; jwks: JSONWebKeySet } | undefined;

  function resourceServer(identifier: string): ResourceServerView | undefined {
    if (identifier === managementApi.identifier) return managementApi;
    const s = store.liveOf('resource_server', resourceServerId(identifier));
    if (!s) return undefined;
    const { scopes, name, token_lifetime, signing_alg } = s.data;
    return { id: s.id, identifier, name, scopes, token_lifetime, signing_alg, is_system: false };
  }

  function audience(identifier: string): AudienceView | undefined {
    if (identifier === managementApi.identifier) return { identifier, scopes: managementApi.scopes, incarnation: 0 };
    const s = store.liveOf('resource_server', resourceServerId(identifier));
    return s && { identifier, scopes: s.data.scopes, incarnation: s.incarnation };
  }

  function keys() {
    const s = store.liveOf('signing_keys', SIGNING_KEYS_ID);
    if (!s) throw unavailable('The tenant signing keys are not loaded yet. Retry shortly.');
    return s.data;
  }

  return {
    resourceServer,
    audience,
    grant(clientId: string, aud: string): ClientGrantView | undefined {
      const api = audience(aud);
      const g = store.liveOf('client_grant', clientGrantId(clientId, aud));
      if (!api || !g || g.data.audience_incarnation !== api.incarnation || !deps.clientLive(clientId)) return undefined;
      // Scopes the API no longer defines are not granted any more.
      const defined = new Set(api.scopes.map((s) => s.value));
      return { id: g.id, client_id: clientId, audience: aud, scope: g.data.scope.filter((s) => defined.has(s)) };
    },
    issuingKey(): IssuingKey {
      const data = keys();
      if (opened?.kid !== data.current_kid) {
        const record = data.keys.find((k) => k.kid === data.current_kid)!;
        opened = { kid: record.kid, key: openPrivateKey(record, deps.box) };
      }
      return { kid: opened.kid, alg: 'RS256', privateKey: opened.key };
    },
    publishedKeys(): JSONWebKeySet {
      // Built once per folded key state (states are immutable values): the verifier asks on every
      // request that carries one of apptrail's tokens, and building parses every certificate.
      const data = keys();
      if (published?.data !== data) published = { data, jwks: { keys: publishedKeyRecords(data).map(publicJwk) } };
      return published.jwks;
    },
    settings(): TenantSettingsView {
      const s = store.liveOf('tenant_settings', TENANT_SETTINGS_ID);
      return { enable_dynamic_client_registration: (s?.data ?? DEFAULT_TENANT_SETTINGS).enable_dynamic_client_registration };
    },
  };
}
