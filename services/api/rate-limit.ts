import type { FastifyInstance, FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import { Auth0Error } from '../../shared/errors/auth0-error.js';
import { isManagementApiRoute } from '../../shared/auth/index.js';

/**
 * Auth0 limits the Management API per caller and answers 429 with X-RateLimit-* headers; SDKs
 * retry on Retry-After. Counted per calling application (the token's azp), after authentication,
 * per instance (in memory). The refusal is an Auth0 error, so a refused write also lands in the
 * audit trail as a failure like any other.
 */
export async function registerRateLimit(app: FastifyInstance, perSecond: number): Promise<void> {
  // Registered even when the Management API is not limited: the OAuth routes set limits of their
  // own through their route config (services/api/oauth), which needs the plugin.
  await app.register(rateLimit, {
    global: true,
    hook: 'preHandler',
    max: Math.max(perSecond, 1),
    timeWindow: 1000,
    allowList: (req: FastifyRequest) => perSecond <= 0 || !isManagementApiRoute(req),
    keyGenerator: (req: FastifyRequest) => (req.principal?.clientId ? `app:${req.principal.clientId}` : `ip:${req.ip}`),
    errorResponseBuilder: () =>
      new Auth0Error(429, 'Too many requests. Check the X-RateLimit-Limit, X-RateLimit-Remaining and X-RateLimit-Reset headers.', 'too_many_requests'),
  });
}
