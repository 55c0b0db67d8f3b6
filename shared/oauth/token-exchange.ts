import { SignJWT } from 'jose';
import { z } from 'zod';
import type { ClientState } from '../clients/index.js';
import type { AuthorizationDirectory, IssuingKey } from './ports.js';
import { presentedCredentials, secretMatches } from './client-auth.js';
import { accessDenied, invalidClient, invalidRequest, OAuthError } from './errors.js';

/**
 * The parameters of a token request, form or JSON. Unknown parameters are ignored (RFC 6749 §3.2);
 * a known one that is not a single string is malformed.
 */
export const TokenRequestSchema = z.looseObject({
  grant_type: z.string().optional(),
  client_id: z.string().optional(),
  client_secret: z.string().optional(),
  audience: z.string().optional(),
  scope: z.string().optional(),
});
export type TokenRequest = z.infer<typeof TokenRequestSchema>;

export const CLIENT_CREDENTIALS = 'client_credentials';
/** Auth0's log `gty` for tokens of this grant. */
export const CLIENT_CREDENTIALS_GTY = 'client-credentials';

export interface TokenExchangeDeps {
  directory: AuthorizationDirectory;
  client(clientId: string): ClientState | undefined;
  openSecret(sealed: string): string;
  /** The `iss` of every token, e.g. https://tenant.example.com/ */
  issuer: string;
  now?: () => number;
}

export interface IssuedToken {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
}

/** What the audit trail records of an exchange, granted or refused; never the secret nor the token. */
export interface ExchangeTrace {
  clientId: string;
  clientName: string;
  audience: string;
  scope: string;
}

export class TokenRefusal extends Error {
  constructor(
    readonly error: OAuthError,
    readonly trace: ExchangeTrace,
  ) {
    super(error.description);
  }
}

const splitScope = (scope: string | undefined) => (scope ?? '').split(' ').filter(Boolean);

/**
 * The client credentials grant as Auth0 answers it: authenticate the client, check the grant
 * type is allowed for it, find the API (`audience`) and the client's grant on it, and issue an
 * RS256 token carrying only the scopes that grant allows. Every refusal is a TokenRefusal whose
 * trace says as much as is known about who asked for what.
 */
export async function exchangeClientCredentials(deps: TokenExchangeDeps, params: TokenRequest, authorization: string | undefined): Promise<{ token: IssuedToken; trace: ExchangeTrace }> {
  const trace: ExchangeTrace = { clientId: params.client_id ?? '', clientName: '', audience: params.audience ?? '', scope: params.scope ?? '' };
  const refuse = (error: OAuthError) => new TokenRefusal(error, trace);
  try {
    if (params.grant_type === undefined || params.grant_type === '') throw invalidRequest('Missing required parameter: grant_type');
    if (params.grant_type !== CLIENT_CREDENTIALS) throw new OAuthError(400, 'unsupported_grant_type', `Unsupported grant type: ${params.grant_type}`);
    const presented = presentedCredentials(authorization, params);
    trace.clientId = presented.clientId;
    const viaHeader = presented.method === 'client_secret_basic';
    const client = deps.client(presented.clientId);
    if (!client || client.deleted || presented.secret === undefined) throw invalidClient(viaHeader);
    trace.clientName = client.config.name ?? '';
    let expected: string;
    try {
      expected = deps.openSecret(client.client_secret_sealed);
    } catch {
      // A secret this instance cannot open (another SECRETS_KEY) authenticates nobody.
      throw invalidClient(viaHeader);
    }
    if (!secretMatches(presented.secret, expected)) throw invalidClient(viaHeader);
    if (client.config.token_endpoint_auth_method === 'none' || !(client.config.grant_types ?? []).includes(CLIENT_CREDENTIALS)) {
      throw new OAuthError(403, 'unauthorized_client', `Grant type '${CLIENT_CREDENTIALS}' not allowed for the client.`, { errorUri: 'https://auth0.com/docs/clients/client-grant-types' });
    }
    if (!params.audience) throw accessDenied('No audience parameter was provided, and no default audience has been configured');
    const api = deps.directory.resourceServer(params.audience);
    if (!api) throw accessDenied(`Service not found: ${params.audience}`);
    const grant = deps.directory.grant(client.client_id, api.identifier);
    if (!grant) {
      throw accessDenied(`Client is not authorized to access "${api.identifier}". You need to create a "client-grant" associated to this API. See: https://auth0.com/docs/api/v2#!/Client_Grants/post_client_grants`);
    }
    const allowed = new Set(grant.scope);
    const requested = params.scope === undefined ? undefined : splitScope(params.scope);
    // Auth0 refuses scopes the grant does not hold rather than dropping them silently.
    const notGranted = requested?.filter((s) => !allowed.has(s)) ?? [];
    if (notGranted.length > 0) throw accessDenied(`Client has not been granted scopes: ${[...new Set(notGranted)].join(' ')}`);
    const scope = [...new Set(requested ?? grant.scope)].join(' ');
    trace.scope = scope;
    let key: IssuingKey;
    try {
      key = deps.directory.issuingKey();
    } catch {
      // No key folded yet (start-up): a dependency outage, retried by the caller.
      throw new OAuthError(503, 'temporarily_unavailable', 'No signing key is available yet; retry shortly', { headers: { 'retry-after': '5' } });
    }
    const now = Math.floor((deps.now ?? Date.now)() / 1000);
    const accessToken = await new SignJWT({ scope, gty: CLIENT_CREDENTIALS_GTY, azp: client.client_id })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
      .setIssuer(deps.issuer)
      .setSubject(`${client.client_id}@clients`)
      .setAudience(api.identifier)
      .setIssuedAt(now)
      .setExpirationTime(now + api.token_lifetime)
      .sign(key.privateKey);
    return { token: { access_token: accessToken, token_type: 'Bearer', expires_in: api.token_lifetime, scope }, trace };
  } catch (err) {
    if (err instanceof OAuthError) throw refuse(err);
    throw err;
  }
}
