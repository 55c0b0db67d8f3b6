import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { redactSecrets, secretFieldsIn, toRequestRecord, type RequestRecord } from '../../../shared/audit/index.js';
import type { EventProducer } from '../../../shared/kafka/index.js';
import { requestMeta } from '../request-meta.js';

export type RecordSuccess = (req: FastifyRequest, status: number, responseBody: unknown) => Promise<void>;

/**
 * Successful log stream changes as sapi entries. The audit service folds clients.events only, so
 * these go through audit.requests like the failures do, written before the answer is sent.
 * A failed write is logged, not answered with an error: the change itself has been applied.
 */
export function successRecorder(deps: { producer: EventProducer; topic: string }): RecordSuccess {
  return async (req, status, responseBody) => {
    const body = req.body as { sink?: unknown } | undefined;
    const record: RequestRecord = {
      outcome: 'success',
      meta: requestMeta(req),
      query: (req.query as Record<string, unknown> | undefined) ?? {},
      body: redactSecrets(body),
      status,
      response_body: redactSecrets(responseBody),
      target_client_id: '',
      // Auth0 names the secrets a write set (accessedSecrets); here the sink credentials given.
      accessed_secrets: secretFieldsIn(body?.sink),
      scope: [...(req.principal?.scopes ?? [])].join(' '),
    };
    try {
      await deps.producer.send(deps.topic, toRequestRecord(record, { id: randomUUID(), time: new Date().toISOString() }));
    } catch (err) {
      req.log.error({ err, path: record.meta.path }, 'could not record the log stream change in audit.requests');
    }
  };
}
