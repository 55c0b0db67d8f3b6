import { createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { createTokenVerifier, type VerifyToken } from './verify-token.js';
import type { VerifiedTokenCacheOptions } from './verified-tokens.js';

export interface OwnTokenOptions {
  audience: string;
  /** The `iss` apptrail puts in the tokens it issues. */
  issuer: string;
  /** The keys apptrail publishes at /.well-known/jwks.json, read on every use (they rotate). */
  published: () => JSONWebKeySet;
  /** Every other token: the HS256 development key or the external AUTH_JWKS_URL. */
  fallback: VerifyToken;
  cache?: VerifiedTokenCacheOptions;
}

function kidOf(token: string): string | undefined {
  try {
    const header = decodeProtectedHeader(token);
    return header.alg === 'RS256' && typeof header.kid === 'string' ? header.kid : undefined;
  } catch {
    return undefined;
  }
}

const bearerToken = (authorization: string | undefined) => {
  const [scheme, token] = authorization?.split(' ') ?? [];
  return scheme?.toLowerCase() === 'bearer' && token ? token : undefined;
};

/**
 * Accepts the tokens apptrail issued (RS256, a `kid` it publishes) beside whatever the fallback
 * accepts. The local key set is rebuilt whenever the published keys change, and a remembered
 * verification is reused only while its key is still published: a revoked key's tokens stop
 * verifying on the next request.
 */
export function createOwnTokenVerifier(opts: OwnTokenOptions): VerifyToken {
  let seen: JSONWebKeySet | undefined;
  let fingerprint = '';
  let kids = new Set<string>();
  let keySet: JWTVerifyGetKey = createLocalJWKSet({ keys: [] });
  const current = () => {
    const published = opts.published();
    if (published !== seen) {
      seen = published;
      const next = JSON.stringify(published.keys);
      if (next !== fingerprint) {
        fingerprint = next;
        kids = new Set(published.keys.map((k) => k.kid).filter((k): k is string => typeof k === 'string'));
        keySet = createLocalJWKSet(published);
      }
    }
    return { kids, keySet };
  };
  // The published keys are read once per request (they may be costly to build: certificates are
  // parsed); the verification below runs on that same reading.
  // Not read here: a directory may not hold keys yet when the verifier is made (it then throws a 503).
  let reading = { kids, keySet };
  const own = createTokenVerifier({
    audience: opts.audience,
    issuer: opts.issuer,
    keys: (header, token) => reading.keySet(header, token),
    ...(opts.cache ? { cache: opts.cache } : {}),
    stillTrusted: (token) => {
      const kid = kidOf(token);
      return kid !== undefined && reading.kids.has(kid);
    },
  });
  return async (authorization) => {
    const token = bearerToken(authorization);
    const kid = token === undefined ? undefined : kidOf(token);
    if (kid === undefined) return opts.fallback(authorization);
    reading = current();
    return reading.kids.has(kid) ? own(authorization) : opts.fallback(authorization);
  };
}
