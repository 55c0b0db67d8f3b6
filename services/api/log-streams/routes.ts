import type { FastifyInstance, FastifyReply, FastifySchemaCompiler } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z, type ZodType } from 'zod';
import { principalOf, requireAnyScope } from '../../../shared/auth/index.js';
import { fromZodError } from '../../../shared/errors/auth0-error.js';
import {
  LogStreamHealthSchema, LogStreamResponseSchema, LogStreamUpdateSchema, logStreamCreateSchema, presentLogStream, streamNotFound,
  type HealthStore, type LogStreamProjection, type LogStreamState, type StoredStartFrom,
} from '../../../shared/log-streams/index.js';
import type { EndpointPolicy, Redact } from '../../../shared/sinks/index.js';
import { requestMeta } from '../request-meta.js';
import type { LogStreamCommands } from './commands.js';
import { catchUpOrFlagStale, catchUpOrUnavailable } from '../projection-reads.js';

const ErrorSchema = z.object({ statusCode: z.number(), error: z.string(), message: z.string(), errorCode: z.string().optional() });
const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema, 429: ErrorSchema, 503: ErrorSchema };
const IdParams = z.strictObject({ id: z.string().min(1).max(64).describe('The id of the log stream') });

/**
 * Sink secrets must not come back in a validation message (Auth0's messages quote the offending
 * value, and a token with a stray newline is still a token): these bodies are judged without the
 * input in the issues.
 */
const compileWithoutInput: FastifySchemaCompiler<ZodType> = ({ schema, httpPart }) => (data: unknown) => {
  const result = schema.safeParse(data);
  if (result.success) return { value: result.data };
  return { error: fromZodError(result.error, { where: httpPart === 'body' ? 'body' : httpPart === 'params' ? 'path' : 'query', schema }) };
};
// Fastify types a route's compiler over the whole route schema object, though it is called per part.
const validateWithoutInput = compileWithoutInput as never;

export interface LogStreamRoutesDeps {
  commands: LogStreamCommands;
  projection: LogStreamProjection;
  health: HealthStore;
  /** Entries behind, from Kafka; null when Kafka cannot say right now. */
  lagOf: (streamId: string, startFrom: StoredStartFrom) => Promise<number | null>;
  policy: EndpointPolicy;
  /** How long a read waits for the projection to catch up before answering it flagged stale. */
  readWaitMs?: number;
  /** Redacts the stream's credentials from sink answers before they are shown. */
  redactFor: (state: LogStreamState) => Redact;
}

export async function logStreamRoutes(app: FastifyInstance, deps: LogStreamRoutesDeps): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { commands, projection } = deps;
  const tags = ['log-streams'];

  async function existing(id: string, reply: FastifyReply) {
    await catchUpOrFlagStale(projection, reply, deps.readWaitMs);
    const state = projection.store.get(id);
    if (!state || state.deleted) throw streamNotFound();
    return state;
  }

  r.post(
    '/api/v2/log-streams',
    { schema: { tags, summary: 'Create a log stream', body: logStreamCreateSchema(deps.policy), response: { 200: LogStreamResponseSchema, ...errors } }, validatorCompiler: validateWithoutInput },
    async (req) => {
      requireAnyScope(principalOf(req), ['create:log_streams']);
      await catchUpOrUnavailable(projection, deps.readWaitMs);
      // Auth0 answers a create with 200, not 201.
      return presentLogStream(await commands.create(req.body, requestMeta(req)));
    },
  );

  r.get('/api/v2/log-streams', { schema: { tags, summary: 'Get log streams', response: { 200: z.array(LogStreamResponseSchema), ...errors } } }, async (req, reply) => {
    requireAnyScope(principalOf(req), ['read:log_streams']);
    await catchUpOrFlagStale(projection, reply, deps.readWaitMs);
    return projection.store.live().map(presentLogStream);
  });

  r.get('/api/v2/log-streams/:id', { schema: { tags, summary: 'Get a log stream', params: IdParams, response: { 200: LogStreamResponseSchema, ...errors } } }, async (req, reply) => {
    requireAnyScope(principalOf(req), ['read:log_streams']);
    return presentLogStream(await existing(req.params.id, reply));
  });

  r.patch(
    '/api/v2/log-streams/:id',
    { schema: { tags, summary: 'Update a log stream', params: IdParams, body: LogStreamUpdateSchema, response: { 200: LogStreamResponseSchema, ...errors } }, validatorCompiler: validateWithoutInput },
    async (req) => {
      requireAnyScope(principalOf(req), ['update:log_streams']);
      await catchUpOrUnavailable(projection, deps.readWaitMs);
      return presentLogStream(await commands.update(req.params.id, req.body, requestMeta(req)));
    },
  );

  r.delete('/api/v2/log-streams/:id', { schema: { tags, summary: 'Delete a log stream', params: IdParams, response: { 204: z.null(), ...errors } } }, async (req, reply) => {
    requireAnyScope(principalOf(req), ['delete:log_streams']);
    await catchUpOrUnavailable(projection, deps.readWaitMs);
    await commands.remove(req.params.id, requestMeta(req));
    return reply.code(204).send(null);
  });

  r.get(
    '/api/v2/log-streams/:id/health',
    { schema: { tags, summary: 'Delivery health of a log stream (apptrail addition)', params: IdParams, response: { 200: LogStreamHealthSchema, ...errors } } },
    async (req, reply) => {
      requireAnyScope(principalOf(req), ['read:log_streams']);
      const state = await existing(req.params.id, reply);
      const redact = deps.redactFor(state);
      const health = deps.health.view(state.id);
      const { last } = health.dead_letters;
      return {
        id: state.id,
        status: state.status,
        lag: await deps.lagOf(state.id, state.start_from),
        last_success_at: health.last_success_at,
        last_error: health.last_error && { ...health.last_error, message: redact(health.last_error.message) },
        failing_since: health.failing_since,
        dead_letters: { count: health.dead_letters.count, last: last && { ...last, reason: redact(last.reason) } },
        ...(state.suspension ? { suspension: { ...state.suspension, message: redact(state.suspension.message) } } : {}),
      };
    },
  );
}
