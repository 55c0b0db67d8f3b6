import { createSecretKey, type KeyObject } from 'node:crypto';
import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { unauthorized } from '../errors/auth0-error.js';
import { AccessTokenClaimsSchema, toPrincipal, type Principal } from './principal.js';

export interface VerifierOptions {
  audience: string;
  issuer?: string;
  /** HS256 with a shared secret (the embedded default)… */
  secret?: Uint8Array;
  /** …or RS256 against an identity provider's JWKS (real deployments). */
  jwksUrl?: string;
}

export type VerifyToken = (authorization: string | undefined) => Promise<Principal>;

/** Turns an Authorization header into a Principal, or throws Auth0's 401. */
export function createTokenVerifier(opts: VerifierOptions): VerifyToken {
  if (!opts.jwksUrl && !opts.secret) throw new Error('token verifier needs a secret or a JWKS URL');
  // A KeyObject made once: given raw bytes, jose imports the HMAC key again on every request.
  const key: KeyObject | JWTVerifyGetKey = opts.jwksUrl ? createRemoteJWKSet(new URL(opts.jwksUrl)) : createSecretKey(opts.secret!);
  const algorithms = opts.jwksUrl ? ['RS256'] : ['HS256'];
  return async (authorization) => {
    if (!authorization) throw unauthorized('Missing authentication', 'missing_authentication');
    const [scheme, token] = authorization.split(' ');
    if (scheme?.toLowerCase() !== 'bearer' || !token) throw unauthorized('Bad HTTP authentication header format', 'invalid_authorization_header');
    try {
      const { payload } = await jwtVerify(token, key as KeyObject, {
        audience: opts.audience,
        ...(opts.issuer ? { issuer: opts.issuer } : {}),
        algorithms,
      });
      const claims = AccessTokenClaimsSchema.safeParse(payload);
      if (!claims.success) throw unauthorized('Invalid token');
      return toPrincipal(claims.data);
    } catch (err) {
      if (err instanceof errors.JWTExpired) throw unauthorized('Expired token', 'token_expired');
      if (err instanceof errors.JOSEError) throw unauthorized('Invalid token');
      throw err;
    }
  };
}
