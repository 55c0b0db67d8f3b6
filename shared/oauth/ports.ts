import type { KeyObject } from 'node:crypto';
import type { JSONWebKeySet } from 'jose';

// The seam between the tenant's authorization state (resource servers, client grants, signing
// keys, tenant settings: folded from Kafka) and what reads it to authenticate clients (the
// /oauth/token endpoint, the token verifier, dynamic registration). Readers depend on this port
// only, so they can be tested against a plain in-memory directory.

/** A resource server (an API tokens are issued for), in Auth0's terms. */
export interface ResourceServerView {
  id: string;
  /** The `audience` a client asks for. */
  identifier: string;
  name: string;
  scopes: ReadonlyArray<{ value: string; description?: string }>;
  /** Seconds. */
  token_lifetime: number;
  signing_alg: 'RS256';
  /** The Management API itself (identifier AUTH_AUDIENCE): built in, not deletable. */
  is_system: boolean;
}

/** A client grant: which scopes a client may obtain for one audience. */
export interface ClientGrantView {
  id: string;
  client_id: string;
  audience: string;
  scope: readonly string[];
}

/** The key tokens are signed with now. */
export interface IssuingKey {
  kid: string;
  alg: 'RS256';
  privateKey: KeyObject;
}

export interface TenantSettingsView {
  enable_dynamic_client_registration: boolean;
}

export interface AuthorizationDirectory {
  resourceServer(identifier: string): ResourceServerView | undefined;
  grant(clientId: string, audience: string): ClientGrantView | undefined;
  /** Throws (a transient, 503-mapped error) while no key has been folded yet. */
  issuingKey(): IssuingKey;
  /** Public keys that verify tokens: the current, the next and every previous key not revoked. */
  publishedKeys(): JSONWebKeySet;
  settings(): TenantSettingsView;
}

/**
 * Added by the oauth-token branch for the bootstrap: giving the administrative client its grant
 * on the Management API. Implemented by the client-grant commands (events, audited like any
 * grant created through POST /api/v2/client-grants).
 */
export interface ClientGrantWriter {
  /** Creates the grant; resolves once it is applied (read-your-writes), so a token can be issued right after. */
  createGrant(grant: { client_id: string; audience: string; scope: readonly string[] }): Promise<void>;
}
