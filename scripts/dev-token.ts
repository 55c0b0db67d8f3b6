import { SignJWT } from 'jose';
import type { Config } from '../shared/config/index.js';
import { resolveSigningSecret, SCOPES } from '../shared/auth/index.js';

export interface DevTokenOptions {
  scope?: string;
  sub?: string;
  clientId?: string;
  name?: string;
  expiresIn?: string;
}

/**
 * An access token for the local API, signed HS256 with the secret `npm start` uses
 * (AUTH_SIGNING_SECRET or DATA_DIR's key). Throws when the API expects RS256 tokens instead.
 */
export async function makeDevToken(config: Config, opts: DevTokenOptions = {}): Promise<string> {
  if (config.AUTH_JWKS_URL) {
    throw new Error('AUTH_JWKS_URL is set: the API only accepts RS256 tokens from your identity provider; get a token there.');
  }
  return new SignJWT({ scope: opts.scope ?? SCOPES.join(' '), azp: opts.clientId ?? 'apptrail-cli', name: opts.name ?? 'Local admin', gty: 'client-credentials' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(opts.sub ?? 'apptrail|local-admin')
    .setAudience(config.AUTH_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(opts.expiresIn ?? '24h')
    .setJti(crypto.randomUUID())
    .sign(await resolveSigningSecret(config));
}
