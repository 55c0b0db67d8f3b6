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
  if (perSecond <= 0) return;
  await app.register(rateLimit, {
    global: true,
    hook: 'preHandler',
    max: perSecond,
    timeWindow: 1000,
    allowList: (req: FastifyRequest) => !isManagementApiRoute(req),
    keyGenerator: (req: FastifyRequest) => (req.principal?.clientId ? `app:${req.principal.clientId}` : `ip:${req.ip}`),
    errorResponseBuilder: () =>
      new Auth0Error(429, 'Too many requests. Check the X-RateLimit-Limit, X-RateLimit-Remaining and X-RateLimit-Reset headers.', 'too_many_requests'),
  });
}
