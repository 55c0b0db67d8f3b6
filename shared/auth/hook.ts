import type { FastifyInstance } from 'fastify';
import type { VerifyToken } from './verify-token.js';

/** The Management API: routes under it need a Bearer token; health and docs do not. */
export const MANAGEMENT_API_PREFIX = '/api/v2/';

/**
 * Whether `req` was routed to a Management API route. Decided on the route the router matched,
 * never on the raw URL: `/api/%762/clients` and `/%61pi/v2/logs` reach the same routes as their
 * plain spellings and must meet the same checks.
 */
export function isManagementApiRoute(req: { routeOptions: { url?: string | undefined } }): boolean {
  return req.routeOptions.url?.startsWith(MANAGEMENT_API_PREFIX) ?? false;
}

/** Every Management API route gets the caller's principal, or the request is refused with a 401. */
export function authenticateManagementApi(app: FastifyInstance, verify: VerifyToken): void {
  app.addHook('onRequest', async (req) => {
    if (!isManagementApiRoute(req)) return;
    req.principal = await verify(req.headers.authorization);
  });
}
