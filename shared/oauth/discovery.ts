import type { Config } from '../config/index.js';

/** The issuer of apptrail's own tokens: OAUTH_ISSUER, else the origin of AUTH_AUDIENCE with a trailing slash (Auth0: `https://{tenant}/`). */
export function issuerFromConfig(config: Pick<Config, 'OAUTH_ISSUER' | 'AUTH_AUDIENCE'>): string {
  if (config.OAUTH_ISSUER) return config.OAUTH_ISSUER;
  try {
    return `${new URL(config.AUTH_AUDIENCE).origin}/`;
  } catch {
    throw new Error('OAUTH_ISSUER is unset and AUTH_AUDIENCE is not a URL to derive it from: set OAUTH_ISSUER');
  }
}

export const TOKEN_ENDPOINT_AUTH_METHODS_SUPPORTED = ['client_secret_basic', 'client_secret_post'] as const;
export const GRANT_TYPES_SUPPORTED = ['client_credentials'] as const;

/**
 * OpenID Provider Metadata (OIDC Discovery 1.0 §3, RFC 8414) for what apptrail serves: the
 * token endpoint with client credentials, the JWKS, and dynamic registration. Endpoints are
 * under the issuer, so a client that discovers from the issuer reaches this same server.
 */
export function openidConfiguration(issuer: string) {
  return {
    issuer,
    token_endpoint: `${issuer}oauth/token`,
    jwks_uri: `${issuer}.well-known/jwks.json`,
    registration_endpoint: `${issuer}oidc/register`,
    grant_types_supported: [...GRANT_TYPES_SUPPORTED],
    token_endpoint_auth_methods_supported: [...TOKEN_ENDPOINT_AUTH_METHODS_SUPPORTED],
    // Required members of OIDC Discovery; apptrail has no authorization endpoint or id tokens, so
    // these describe the tokens it signs.
    response_types_supported: ['token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    token_endpoint_auth_signing_alg_values_supported: ['RS256'],
    claims_supported: ['iss', 'sub', 'aud', 'azp', 'exp', 'iat', 'scope', 'gty'],
  };
}
