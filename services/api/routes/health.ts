import type { FastifyPluginAsync } from 'fastify';
import { runChecks, type Check } from '../../../shared/health/index.js';

/** Liveness says the process answers; readiness says its dependencies answer too. */
export const healthRoutes: FastifyPluginAsync<{ readiness: Record<string, Check> }> = async (app, opts) => {
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    const result = await runChecks(opts.readiness);
    return reply.code(result.ok ? 200 : 503).send({ status: result.ok ? 'ready' : 'not ready', checks: result.checks });
  });
};
