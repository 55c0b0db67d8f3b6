import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import { httpRequestDuration } from '../../../shared/metrics/index.js';

/** The label for requests no route matched (404s, refused URLs): never the raw path, whose values are unbounded. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Serves the registry in Prometheus' text exposition format at GET /metrics, and times every
 * request by method, routed URL pattern (`/api/v2/clients/:id`, never the id) and status.
 * Unauthenticated like /healthz (the auth hook covers /api/v2 only): the figures carry group,
 * topic and stream ids but no entry content or secret; keep the port off the public internet.
 */
export function registerMetrics(app: FastifyInstance, registry: Registry): void {
  // One child per label set, so a request costs a map lookup and an observe, not a label hash.
  const children = new Map<string, ReturnType<typeof httpRequestDuration.labels>>();
  app.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    const key = `${request.method} ${reply.statusCode} ${route}`;
    let child = children.get(key);
    if (child === undefined) children.set(key, (child = httpRequestDuration.labels(request.method, route, String(reply.statusCode))));
    child.observe(reply.elapsedTime / 1000);
  });
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    const text = await registry.metrics();
    return reply.type(registry.contentType).send(text);
  });
}
