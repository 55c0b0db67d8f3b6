/**
 * An error of the OAuth endpoints (/oauth/token, /oidc/register), answered in the shape RFC 6749
 * §5.2 and Auth0's Authentication API use: `{error, error_description}`, never the Management
 * API's `{statusCode, error, message}`.
 */
export class OAuthError extends Error {
  override readonly name = 'OAuthError';
  constructor(
    readonly statusCode: number,
    readonly error: string,
    readonly description: string,
    readonly extra: { errorUri?: string; headers?: Record<string, string> } = {},
  ) {
    super(description);
  }

  toJSON(): { error: string; error_description: string; error_uri?: string } {
    return { error: this.error, error_description: this.description, ...(this.extra.errorUri ? { error_uri: this.extra.errorUri } : {}) };
  }
}

export const invalidRequest = (description: string) => new OAuthError(400, 'invalid_request', description);

/**
 * A failed client authentication: one answer for an unknown client, a deleted one and a wrong
 * secret, so the endpoint does not tell which client ids exist. A caller who authenticated with
 * the Authorization header is told the scheme (RFC 6749 §5.2).
 */
export const invalidClient = (viaHeader: boolean) =>
  new OAuthError(401, 'invalid_client', 'Client authentication failed', viaHeader ? { headers: { 'www-authenticate': 'Basic realm="oauth"' } } : {});

export const accessDenied = (description: string) => new OAuthError(403, 'access_denied', description);

/** An unusable or missing Authorization header at the registration endpoints (RFC 6750 §3.1). */
export const invalidToken = (description = 'The access token is missing, invalid or revoked') =>
  new OAuthError(401, 'invalid_token', description, { headers: { 'www-authenticate': 'Bearer error="invalid_token"' } });
