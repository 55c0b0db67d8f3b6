import type { FastifyRequest } from 'fastify';
import { forbidden } from '../errors/auth0-error.js';
import type { Principal } from './principal.js';

/** Auth0's check: any one of the listed scopes is enough. */
export function requireAnyScope(principal: Principal, anyOf: readonly string[]): void {
  if (anyOf.some((s) => principal.scopes.has(s))) return;
  throw forbidden(`Insufficient scope, expected any of: ${anyOf.join(',')}`);
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw new Error('route is not behind the auth hook');
  return req.principal;
}
