import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Auth0Error, validationError } from '../../shared/errors/auth0-error.js';
import { refuseOutsideLimits } from '../../shared/http/json-limits.js';

/**
 * JSON is the only body type taken (Auth0 also takes form-urlencoded bodies; apptrail answers
 * them 415), and every parsed body passes the request limits before validation, routes or the
 * audit trail see it. An empty body means "no
 * body": Auth0 takes one on rotate-secret and DELETE even with a JSON content type (SDKs send
 * one). Fastify's own parser does the parsing and keeps its prototype-poisoning protection.
 */
export function acceptJsonBodies(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if (body === '' || body === undefined) return done(null, undefined);
    parseJson(req, body as string, (err, parsed) => {
      if (err) return done(isValidJson(body as string) ? PROTOTYPE_KEY_REFUSED : err);
      try {
        refuseOutsideLimits(parsed, 'body');
      } catch (refusal) {
        return done(refusal as Auth0Error);
      }
      done(null, parsed);
    });
  });
}

// Fastify refuses `__proto__` and `constructor.prototype` keys (prototype poisoning) with the
// same error as broken JSON; a caller deserves to know which it was.
const PROTOTYPE_KEY_REFUSED = validationError('body', 'Property names __proto__ and constructor.prototype are not allowed');

function isValidJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** A refusal for the query string or path parameters of `req`, or undefined when they are fine. */
function urlInputProblem(req: FastifyRequest): Auth0Error | undefined {
  const search = req.url.indexOf('?');
  if (search >= 0) {
    // The query parser keeps a malformed %-sequence as literal text; Auth0 refuses it.
    try {
      decodeURIComponent(req.url.slice(search + 1));
    } catch {
      return validationError('query', 'Invalid percent-encoding in the query string');
    }
  }
  try {
    refuseOutsideLimits(req.query, 'query');
    refuseOutsideLimits(req.params, 'path');
  } catch (refusal) {
    return refusal as Auth0Error;
  }
  return undefined;
}

/** Refuses bad query strings and path parameters first, before authentication or any route. */
export function refuseBadUrlInput(app: FastifyInstance): void {
  app.addHook('onRequest', async (req) => {
    const problem = urlInputProblem(req);
    if (problem) throw problem;
  });
}
