import type { JSONWebKeySet } from 'jose';
import type { Config } from '../config/index.js';
import { issuerFromConfig } from '../oauth/discovery.js';
import { createOwnTokenVerifier } from './own-tokens.js';
import { resolveSigningSecret } from './signing-secret.js';
import { createTokenVerifier, type VerifyToken } from './verify-token.js';

/**
 * RS256 against AUTH_JWKS_URL when set, else HS256 with the local or configured secret; with the
 * tenant's published keys, also the tokens apptrail's own /oauth/token issued.
 */
export async function verifierFromConfig(config: Config, ownKeys?: { publishedKeys(): JSONWebKeySet }): Promise<VerifyToken> {
  const external = createTokenVerifier({
    audience: config.AUTH_AUDIENCE,
    ...(config.AUTH_ISSUER ? { issuer: config.AUTH_ISSUER } : {}),
    ...(config.AUTH_JWKS_URL ? { jwksUrl: config.AUTH_JWKS_URL } : { secret: await resolveSigningSecret(config) }),
  });
  if (!ownKeys) return external;
  return createOwnTokenVerifier({ audience: config.AUTH_AUDIENCE, issuer: issuerFromConfig(config), published: () => ownKeys.publishedKeys(), fallback: external });
}
