import type { Config } from '../config/index.js';
import { resolveSigningSecret } from './signing-secret.js';
import { createTokenVerifier, type VerifyToken } from './verify-token.js';

/** RS256 against AUTH_JWKS_URL when set, else HS256 with the local or configured secret. */
export async function verifierFromConfig(config: Config): Promise<VerifyToken> {
  return createTokenVerifier({
    audience: config.AUTH_AUDIENCE,
    ...(config.AUTH_ISSUER ? { issuer: config.AUTH_ISSUER } : {}),
    ...(config.AUTH_JWKS_URL ? { jwksUrl: config.AUTH_JWKS_URL } : { secret: await resolveSigningSecret(config) }),
  });
}
