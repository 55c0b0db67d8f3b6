import type { ConsoleConfig } from '../../../shared/console/config.js';
import { ApiError } from './api.js';
import { sessionFromToken, type Session } from './session.js';

async function json(res: Response): Promise<Record<string, unknown>> {
  try {
    const body: unknown = await res.json();
    return body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function networkError(): ApiError {
  return new ApiError(0, 'Network Error', 'The API cannot be reached', 'network_error');
}

/** The Management API's identifier and the token endpoint, from the server that serves the console. */
async function consoleConfig(): Promise<ConsoleConfig> {
  const res = await fetch('/console/config.json', { credentials: 'omit', cache: 'no-store' }).catch(() => undefined);
  if (!res) throw networkError();
  const body = await json(res);
  const audience = (body.management_api as { audience?: unknown } | undefined)?.audience;
  if (!res.ok || typeof body.token_endpoint !== 'string' || typeof audience !== 'string') {
    throw new ApiError(res.status, 'Unavailable', 'The console configuration (/console/config.json) is missing: this server does not issue tokens', 'console_config');
  }
  return { token_endpoint: body.token_endpoint, management_api: { audience } };
}

/**
 * client_credentials at /oauth/token for the Management API. A refusal is the OAuth body
 * {error, error_description}, shown as an ApiError with the error as its code.
 */
export async function exchangeClientCredentials(clientId: string, clientSecret: string): Promise<Session> {
  const config = await consoleConfig();
  const res = await fetch(config.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, audience: config.management_api.audience }),
    credentials: 'omit',
    cache: 'no-store',
  }).catch(() => undefined);
  if (!res) throw networkError();
  const body = await json(res);
  if (!res.ok) {
    const code = typeof body.error === 'string' ? body.error : undefined;
    const description = typeof body.error_description === 'string' ? body.error_description : typeof body.message === 'string' ? body.message : `The token endpoint answered ${res.status}`;
    throw new ApiError(res.status, res.statusText || 'Refused', description, code);
  }
  const token = typeof body.access_token === 'string' ? body.access_token : '';
  const session = sessionFromToken(token, 'client_credentials');
  if (!session) throw new ApiError(res.status, 'Bad Response', 'The token endpoint answered without an access token', 'invalid_response');
  // expires_in is the server's word; a token without exp still ends then.
  if (typeof body.expires_in === 'number') session.expiresAt = Math.min(session.expiresAt ?? Infinity, Date.now() + body.expires_in * 1000);
  return session;
}
