import type { FastifyRequest } from 'fastify';
import type { EventMeta } from '../../shared/clients/index.js';

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
    path: req.url.split('?')[0] ?? req.url,
  };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Secret fields a read revealed (Auth0's accessedSecrets); set by the route. */
    revealedSecrets?: string[];
  }
}
