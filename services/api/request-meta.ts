/// <reference lib="es2024.string" />
import type { FastifyRequest } from 'fastify';
import type { EventMeta } from '../../shared/clients/index.js';

/**
 * The path as the routed URL in its plain spelling: `/api/%762/clients/%41b` is recorded as
 * `/api/v2/clients/Ab`, so audit descriptions and target clients do not depend on how a caller
 * chose to encode the URL. Unrouted requests keep the path they sent.
 */
export function routedPath(req: FastifyRequest): string {
  const template = req.routeOptions.url;
  const raw = req.url.split('?')[0] ?? req.url;
  if (!template) return raw;
  const params = (req.params ?? {}) as Record<string, unknown>;
  // Encoded again so the path stays one ASCII string whatever a parameter holds.
  const encode = (name: string) => encodeURIComponent(String(params[name] ?? '').toWellFormed());
  return template.replace(/:(\w+)/g, (_, name: string) => encode(name)).replace(/\*$/, () => encode('*'));
}

/** Who asked, from where; the principal is absent when authentication itself failed. */
export function requestMeta(req: FastifyRequest): EventMeta {
  const p = req.principal;
  return {
    actor: p?.sub ?? '',
    actorclient: p?.clientId ?? '',
    actorname: p?.name ?? '',
    requestid: String(req.id),
    ip: req.ip,
    useragent: req.headers['user-agent'] ?? '',
    method: req.method,
    path: routedPath(req),
  };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Secret fields a read revealed (Auth0's accessedSecrets); set by the route. */
    revealedSecrets?: string[];
  }
}
