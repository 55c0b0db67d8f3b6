import type { z } from 'zod';
import type { GrantType, JwtConfigurationSchema, RefreshTokenSchema } from './fields.js';
import type { ClientCreate, StoredClientConfig } from './schema.js';

type JwtConfiguration = z.infer<typeof JwtConfigurationSchema>;
type RefreshToken = z.infer<typeof RefreshTokenSchema>;

// Auth0's defaults for a client created through the Management API. Where the reference marks a
// default as unconfirmed, the choice is commented.

export const DEFAULT_REFRESH_TOKEN_LIFETIME = 31_557_600; // 1 year
export const DEFAULT_REFRESH_TOKEN_IDLE_LIFETIME = 2_592_000; // 30 days

/**
 * The OAS schema default is HS256 with secret_encoded true, but an observed API create answered
 * RS256 with secret_encoded false (unconfirmed as the server default): we follow the observation.
 */
export function normalizeJwtConfiguration(given: JwtConfiguration | undefined): JwtConfiguration {
  return { lifetime_in_seconds: 36_000, secret_encoded: false, alg: 'RS256', ...given };
}

/**
 * Completes a refresh_token object. The infinite flags default to true only for non-expiring
 * tokens (the observed create response); for expiring tokens the OAS default false applies.
 */
export function normalizeRefreshToken(given: RefreshToken): RefreshToken {
  const nonExpiring = given.expiration_type === 'non-expiring';
  return {
    leeway: 0,
    token_lifetime: DEFAULT_REFRESH_TOKEN_LIFETIME,
    idle_token_lifetime: DEFAULT_REFRESH_TOKEN_IDLE_LIFETIME,
    infinite_token_lifetime: nonExpiring,
    infinite_idle_token_lifetime: nonExpiring,
    ...given,
  };
}

const PUBLIC_APP_TYPES = new Set(['spa', 'native']);

/**
 * Grant types when none are given. The reference gives the dashboard defaults; whether the API
 * applies them is unconfirmed. We apply them by app_type, and Auth0's documented API default
 * (implicit, authorization_code, refresh_token, client_credentials) otherwise. A strict
 * third-party client gets only the grants strict mode allows to every client type.
 */
export function defaultGrantTypes(input: Pick<ClientCreate, 'app_type' | 'is_first_party' | 'third_party_security_mode'>): GrantType[] {
  if (input.third_party_security_mode === 'strict' && input.is_first_party === false) {
    return ['authorization_code', 'refresh_token'];
  }
  if (input.app_type !== undefined && PUBLIC_APP_TYPES.has(input.app_type)) {
    return ['implicit', 'authorization_code', 'refresh_token'];
  }
  return ['implicit', 'authorization_code', 'refresh_token', 'client_credentials'];
}

/**
 * token_endpoint_auth_method when none is given: the server default is unconfirmed (the OAS
 * schema says none). We follow the dashboard: public app types (spa, native) get none, all others
 * client_secret_post; trusting the IP header forces client_secret_post (Terraform provider); a
 * client using client_authentication_methods gets none set, as the two are exclusive.
 */
export function defaultTokenEndpointAuthMethod(
  input: Pick<ClientCreate, 'app_type' | 'is_token_endpoint_ip_header_trusted' | 'client_authentication_methods'>,
): StoredClientConfig['token_endpoint_auth_method'] {
  if (input.client_authentication_methods !== undefined) return undefined;
  if (input.is_token_endpoint_ip_header_trusted === true) return 'client_secret_post';
  return input.app_type !== undefined && PUBLIC_APP_TYPES.has(input.app_type) ? 'none' : 'client_secret_post';
}

function defaultRefreshToken(strictThirdParty: boolean): RefreshToken {
  // Strict third-party clients must use expiring refresh tokens.
  return normalizeRefreshToken(
    strictThirdParty
      ? { rotation_type: 'non-rotating', expiration_type: 'expiring' }
      : { rotation_type: 'non-rotating', expiration_type: 'non-expiring' },
  );
}

// A create computes its defaults twice on the same parsed body object: the create schema checks
// the rules on the defaulted config (schema.ts) and decideCreate stores it. Remembered per body
// object, frozen, so the second caller gets the first result and nobody can change it under the
// other.
const defaulted = new WeakMap<ClientCreate, Readonly<StoredClientConfig>>();

/**
 * The stored configuration of a new client: the validated body with Auth0's defaults. The
 * encryption_key is left out: it is stored sealed, next to the sealed client secret. The result is
 * frozen and shared by every call with the same body object (bodies are never changed once parsed).
 */
export function withCreateDefaults(input: ClientCreate): StoredClientConfig {
  let config = defaulted.get(input);
  if (!config) {
    config = Object.freeze(computeCreateDefaults(input));
    defaulted.set(input, config);
  }
  return config as StoredClientConfig;
}

function computeCreateDefaults(input: ClientCreate): StoredClientConfig {
  const { encryption_key: _sealedSeparately, refresh_token, default_organization, compliance_level, par_request_expiry, ...rest } = input;
  const strictThirdParty = input.third_party_security_mode === 'strict' && input.is_first_party === false;
  const tokenEndpointAuthMethod = input.token_endpoint_auth_method ?? defaultTokenEndpointAuthMethod(input);

  // Set one key at a time on a copy, not as `{ ...rest, key: value, … }`: an object literal that
  // spreads and then sets ~20 keys falls off V8's fast path (fresh hidden classes on every call,
  // ~50 µs and garbage per create). The key order is the same.
  const config = Object.assign({}, rest) as StoredClientConfig;
  config.is_first_party = input.is_first_party ?? true;
  config.oidc_conformant = input.oidc_conformant ?? false;
  config.sso_disabled = input.sso_disabled ?? false;
  config.cross_origin_authentication = input.cross_origin_authentication ?? false;
  config.custom_login_page_on = input.custom_login_page_on ?? true;
  config.is_token_endpoint_ip_header_trusted = input.is_token_endpoint_ip_header_trusted ?? false;
  config.require_pushed_authorization_requests = input.require_pushed_authorization_requests ?? false;
  config.require_proof_of_possession = input.require_proof_of_possession ?? false;
  config.jwt_configuration = normalizeJwtConfiguration(input.jwt_configuration);
  config.refresh_token = refresh_token ? normalizeRefreshToken(refresh_token) : defaultRefreshToken(strictThirdParty);
  config.grant_types = input.grant_types ?? defaultGrantTypes(input);
  config.callbacks = input.callbacks ?? [];
  config.allowed_origins = input.allowed_origins ?? [];
  config.web_origins = input.web_origins ?? [];
  config.allowed_logout_urls = input.allowed_logout_urls ?? [];
  config.client_aliases = input.client_aliases ?? [];
  config.allowed_clients = input.allowed_clients ?? [];
  // null on create means "no configuration": the key is left out rather than stored as null.
  if (tokenEndpointAuthMethod !== undefined) config.token_endpoint_auth_method = tokenEndpointAuthMethod;
  if (default_organization) config.default_organization = default_organization;
  if (compliance_level) config.compliance_level = compliance_level;
  if (par_request_expiry !== null && par_request_expiry !== undefined) config.par_request_expiry = par_request_expiry;
  return config;
}
