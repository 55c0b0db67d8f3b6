import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { OAuthError } from '../../../shared/oauth/errors.js';
import { refuseOutsideLimits } from '../../../shared/http/json-limits.js';
import { asAuth0Error } from '../errors.js';

/**
 * OAuth clients send form bodies (RFC 6749 §4.4.2; Auth0's SDKs do): parsed with the WHATWG
 * URLSearchParams into an object built with define semantics (a `__proto__` parameter stays a
 * plain key). A repeated parameter is malformed (RFC 6749 §3.2); the request limits apply as to
 * JSON. Registered in the OAuth routes' own context, so the Management API keeps taking JSON only.
 */
export function acceptFormBodies(app: FastifyInstance): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    const params = new URLSearchParams(body as string);
    const keys = [...params.keys()];
    if (new Set(keys).size !== keys.length) return done(new OAuthError(400, 'invalid_request', 'Parameters must not be included more than once'));
    const parsed = Object.fromEntries(params) as Record<string, string>;
    try {
      refuseOutsideLimits(parsed, 'body');
    } catch (refusal) {
      return done(refusal as Error);
    }
    done(null, parsed);
  });
}

/**
 * Every error of an OAuth route in the OAuth shape `{error, error_description}`: ours as thrown,
 * the Management API's client errors (bad JSON, limits, unsupported media type) as
 * invalid_request with their status, outages as temporarily_unavailable with Retry-After, and any
 * other fault as a generic server_error that names nothing internal.
 */
export const oauthErrorHandler = oauthErrorHandlerFor('invalid_request');

/** The same, with `badRequest` as the error of a 400 (registration: invalid_client_metadata). */
export function oauthErrorHandlerFor(badRequest: string) {
  return (err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply): FastifyReply => answerOAuthError(err, req, reply, badRequest);
}

function answerOAuthError(err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply, badRequest: string): FastifyReply {
  const oauth = err instanceof OAuthError ? err : fromAuth0(err, badRequest);
  if (!oauth) {
    req.log.error({ err }, 'unhandled error');
    return reply.code(500).header('cache-control', 'no-store').send({ error: 'server_error', error_description: 'Internal Server Error' });
  }
  for (const [name, value] of Object.entries(oauth.extra.headers ?? {})) void reply.header(name, value);
  return reply.code(oauth.statusCode).header('cache-control', 'no-store').send(oauth.toJSON());
}

function fromAuth0(err: unknown, badRequest: string): OAuthError | undefined {
  const known = asAuth0Error(err);
  if (!known) return undefined;
  const headers = known.retryAfterSeconds === undefined ? undefined : { 'retry-after': String(known.retryAfterSeconds) };
  const error = known.statusCode === 503 ? 'temporarily_unavailable' : known.statusCode === 429 ? 'too_many_requests' : known.statusCode === 401 ? 'invalid_token' : known.statusCode === 400 ? badRequest : 'invalid_request';
  return new OAuthError(known.statusCode, error, known.message, headers ? { headers } : {});
}

/** A per-route limit for @fastify/rate-limit (registered by app.ts): `perMinute` per key, 0 = none. */
export function oauthRateLimit(perMinute: number, key: (req: FastifyRequest) => string) {
  if (perMinute <= 0) return false as const;
  return {
    max: perMinute,
    timeWindow: 60_000,
    allowList: () => false,
    keyGenerator: key,
    // Auth0's Authentication API answers 429 in the OAuth shape.
    errorResponseBuilder: () => new OAuthError(429, 'too_many_requests', 'Too many requests. Check the X-RateLimit-Limit, X-RateLimit-Remaining and X-RateLimit-Reset headers.'),
  };
}
