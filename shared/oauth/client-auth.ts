import { createHash, timingSafeEqual } from 'node:crypto';
import { invalidClient, invalidRequest } from './errors.js';

/** Who the caller says it is, and how it said so. */
export interface PresentedCredentials {
  clientId: string;
  secret: string | undefined;
  method: 'client_secret_basic' | 'client_secret_post' | 'none';
}

/** RFC 6749 §2.3.1: both parts of the Basic credentials are form-urlencoded before base64. */
function formDecode(part: string): string | undefined {
  try {
    return decodeURIComponent(part.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/**
 * The client's credentials from the Authorization header (client_secret_basic) or the body
 * (client_secret_post). Using both at once is refused (RFC 6749 §2.3: one method per request).
 */
export function presentedCredentials(authorization: string | undefined, body: { client_id?: string | undefined; client_secret?: string | undefined }): PresentedCredentials {
  if (authorization !== undefined) {
    const [scheme, encoded, ...rest] = authorization.trim().split(/\s+/);
    if (scheme?.toLowerCase() !== 'basic' || !encoded || rest.length > 0) throw invalidClient(true);
    const decoded = Buffer.from(encoded, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw invalidClient(true);
    const clientId = formDecode(decoded.slice(0, colon));
    const secret = formDecode(decoded.slice(colon + 1));
    if (!clientId || secret === undefined) throw invalidClient(true);
    if (body.client_secret !== undefined) throw invalidRequest('Multiple client authentication methods are not allowed: use either the Authorization header or client_secret');
    if (body.client_id !== undefined && body.client_id !== clientId) throw invalidRequest('client_id in the body does not match the Authorization header');
    return { clientId, secret, method: 'client_secret_basic' };
  }
  if (body.client_id === undefined || body.client_id === '') throw invalidRequest('Missing required parameter: client_id');
  return { clientId: body.client_id, secret: body.client_secret, method: body.client_secret === undefined ? 'none' : 'client_secret_post' };
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * Constant-time comparison: equal-length SHA-256 digests, so neither the content nor the length of
 * the stored secret leaks through timing.
 */
export function secretMatches(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}

