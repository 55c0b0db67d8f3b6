import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { redactSecrets, secretFieldsIn, targetClientOf, toRequestRecord, type RequestRecord } from '../../shared/audit/index.js';
import type { EventProducer } from '../../shared/kafka/index.js';
import { isManagementApiRoute } from '../../shared/auth/index.js';
import { requestMeta } from './request-meta.js';
import { findJsonViolation } from '../../shared/http/json-limits.js';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

function parseBody(payload: unknown): unknown {
  if (typeof payload !== 'string' || payload === '') return undefined;
  try {
    return JSON.parse(payload);
  } catch {
    return payload.slice(0, 2000);
  }
}

/** The query, unless it was refused for what it holds: that must not reach the trail either. */
function recordableQuery(req: FastifyRequest): Record<string, unknown> {
  const query = (req.query as Record<string, unknown> | undefined) ?? {};
  // A secret sent in the query string (a misconfigured OAuth client) is redacted like one in the body.
  // Only then copied: a copy by assignment would lose a `__proto__` key the query may carry.
  if (findJsonViolation(query)) return {};
  return secretFieldsIn(query).length > 0 ? (redactSecrets(query) as Record<string, unknown>) : query;
}

/** The routes besides the Management API whose refusals and secret reads are admin actions too. */
const REGISTRATION_PREFIX = '/oidc/register';
/** The token endpoint: every answer of it is an entry (seccft or feccft). */
export const TOKEN_ROUTE = '/oauth/token';

function adminRecord(req: FastifyRequest, status: number, payload: unknown): RequestRecord | undefined {
  if (!isManagementApiRoute(req) && !req.routeOptions.url?.startsWith(REGISTRATION_PREFIX)) return undefined;
  const read = READS.has(req.method);
  const outcome: RequestRecord['outcome'] | undefined = !read && status >= 400 ? 'failure' : read && status < 300 && req.revealedSecrets?.length ? 'secrets_read' : undefined;
  if (!outcome) return undefined;
  const meta = requestMeta(req);
  return {
    outcome,
    meta,
    query: recordableQuery(req),
    body: redactSecrets(req.body),
    status,
    response_body: outcome === 'failure' ? redactSecrets(parseBody(payload)) : undefined,
    target_client_id: targetClientOf(meta.path),
    accessed_secrets: req.revealedSecrets ?? [],
    scope: [...(req.principal?.scopes ?? [])].join(' '),
  };
}

/**
 * A token request, answered or refused. The token itself never reaches the record: an issued
 * one is described by its type, lifetime and scope; the secret in the body is redacted.
 */
function exchangeRecord(req: FastifyRequest, status: number, payload: unknown): RequestRecord {
  const body = req.body as Record<string, unknown> | undefined;
  const trace = req.tokenExchange ?? {
    clientId: typeof body?.client_id === 'string' ? body.client_id : '',
    clientName: '',
    audience: typeof body?.audience === 'string' ? body.audience : '',
    scope: typeof body?.scope === 'string' ? body.scope : '',
  };
  const issued = status < 300;
  const answer = issued ? (parseBody(payload) as Record<string, unknown> | undefined) : undefined;
  return {
    outcome: issued ? 'token_issued' : 'token_refused',
    meta: { ...requestMeta(req), actor: trace.clientId ? `${trace.clientId}@clients` : '', actorclient: trace.clientId, actorname: '' },
    query: recordableQuery(req),
    body: redactSecrets(body),
    status,
    response_body: issued ? { token_type: answer?.token_type, expires_in: answer?.expires_in, scope: answer?.scope } : redactSecrets(parseBody(payload)),
    target_client_id: trace.clientId,
    ...(trace.clientName ? { target_client_name: trace.clientName } : {}),
    accessed_secrets: [],
    scope: trace.scope,
    audience: trace.audience,
  };
}

/**
 * Admin actions that produce no domain event still belong in the audit trail: every refused or
 * failed mutating request (validation, 401, 403, 404, 409, …) and every read that revealed a
 * secret. They go to audit.requests before the answer is sent, so an answered request is
 * recorded; bodies are redacted first.
 */
export function recordAuditRequests(app: FastifyInstance, deps: { producer: EventProducer; topic: string }): void {
  app.addHook('onSend', async (req, reply, payload) => {
    const record = req.routeOptions.url === TOKEN_ROUTE ? exchangeRecord(req, reply.statusCode, payload) : adminRecord(req, reply.statusCode, payload);
    if (!record) return payload;
    const status = record.status;
    const meta = record.meta;
    try {
      // A server-made id: request ids may come from the caller (x-request-id) and must not be
      // able to collide with another entry's log_id.
      await deps.producer.send(deps.topic, toRequestRecord(record, { id: randomUUID(), time: new Date().toISOString() }));
    } catch (err) {
      req.log.error({ err, status, path: meta.path }, 'could not record the request in audit.requests');
    }
    return payload;
  });
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Who asked /oauth/token for what; set by the token route once known. */
    tokenExchange?: { clientId: string; clientName: string; audience: string; scope: string };
  }
}
