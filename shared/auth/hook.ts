import type { FastifyInstance } from 'fastify';
import type { VerifyToken } from './verify-token.js';

/** Every Management API path needs a Bearer token; health and docs do not. */
export function authenticateManagementApi(app: FastifyInstance, verify: VerifyToken): void {
  app.addHook('onRequest', async (req) => {
    if (!req.url.startsWith('/api/v2/')) return;
    req.principal = await verify(req.headers.authorization);
  });
}
