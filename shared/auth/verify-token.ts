import { webcrypto } from 'node:crypto';
import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { unauthorized } from '../errors/auth0-error.js';
import { AccessTokenClaimsSchema, toPrincipal, type Principal } from './principal.js';
import { VerifiedTokenCache, type VerifiedTokenCacheOptions } from './verified-tokens.js';

export interface VerifierOptions {
  audience: string;
  issuer?: string;
  /** HS256 with a shared secret (the embedded default)… */
  secret?: Uint8Array;
  /** …or RS256 against an identity provider's JWKS (real deployments)… */
  jwksUrl?: string;
  /** …or RS256 against a key set at hand (jose's createLocalJWKSet). */
  keys?: JWTVerifyGetKey;
  /** Reuse of verified tokens (see VerifiedTokenCache); `now` is also the clock of exp and nbf. */
  cache?: VerifiedTokenCacheOptions;
  /**
   * Asked before a remembered verification is reused: false (its key was revoked since) drops it
   * and the token is verified afresh, so a revoked key's tokens stop at once, not after the TTL.
   */
  stillTrusted?: (token: string) => boolean;
}

export type VerifyToken = (authorization: string | undefined) => Promise<Principal>;

/**
 * The HS256 key as a CryptoKey made once: jose verifies with WebCrypto and, given raw bytes or a
 * KeyObject, imports a CryptoKey again on every call.
 */
function hmacKey(secret: Uint8Array): Promise<webcrypto.CryptoKey> {
  return webcrypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
}

/** Turns an Authorization header into a Principal, or throws Auth0's 401. */
export function createTokenVerifier(opts: VerifierOptions): VerifyToken {
  const remote = opts.keys ?? (opts.jwksUrl ? createRemoteJWKSet(new URL(opts.jwksUrl)) : undefined);
  if (!remote && !opts.secret) throw new Error('token verifier needs a secret, a JWKS URL or a key set');
  const secretKey = remote ? undefined : hmacKey(opts.secret!);
  // Made once: a rejection here (an unusable secret) must surface on the first request, not as
  // an unhandled rejection at start-up.
  secretKey?.catch(() => undefined);
  const algorithms = remote ? ['RS256'] : ['HS256'];
  const cache = new VerifiedTokenCache(opts.cache);
  const now = opts.cache?.now ?? Date.now;

  async function verifyAfresh(token: string): Promise<Principal> {
    const options = { audience: opts.audience, ...(opts.issuer ? { issuer: opts.issuer } : {}), algorithms, currentDate: new Date(now()) };
    const { payload } = remote ? await jwtVerify(token, remote, options) : await jwtVerify(token, await secretKey!, options);
    const claims = AccessTokenClaimsSchema.safeParse(payload);
    if (!claims.success) throw unauthorized('Invalid token');
    const principal = toPrincipal(claims.data);
    cache.set(token, principal, payload.exp);
    return principal;
  }

  return async (authorization) => {
    if (!authorization) throw unauthorized('Missing authentication', 'missing_authentication');
    const [scheme, token] = authorization.split(' ');
    if (scheme?.toLowerCase() !== 'bearer' || !token) throw unauthorized('Bad HTTP authentication header format', 'invalid_authorization_header');
    const known = cache.get(token);
    if (known && (opts.stillTrusted?.(token) ?? true)) return known;
    try {
      return await verifyAfresh(token);
    } catch (err) {
      if (err instanceof errors.JWTExpired) throw unauthorized('Expired token', 'token_expired');
      if (err instanceof errors.JOSEError) throw unauthorized('Invalid token');
      throw err;
    }
  };
}
