import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { redactSecrets, targetClientOf, toRequestRecord, type RequestRecord } from '../../shared/audit/index.js';
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
  return findJsonViolation(query) ? {} : query;
}

/**
 * Admin actions that produce no domain event still belong in the audit trail: every refused or
 * failed mutating request (validation, 401, 403, 404, 409, …) and every read that revealed a
 * secret. They go to audit.requests before the answer is sent, so an answered request is
 * recorded; bodies are redacted first.
 */
export function recordAuditRequests(app: FastifyInstance, deps: { producer: EventProducer; topic: string }): void {
  app.addHook('onSend', async (req, reply, payload) => {
    if (!isManagementApiRoute(req)) return payload;
    const status = reply.statusCode;
    const read = READS.has(req.method);
    const outcome: RequestRecord['outcome'] | undefined = !read && status >= 400 ? 'failure' : read && status < 300 && req.revealedSecrets?.length ? 'secrets_read' : undefined;
    if (!outcome) return payload;
    const meta = requestMeta(req);
    const record: RequestRecord = {
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
