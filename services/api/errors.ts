import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyReply, FastifyRequest, FastifySchemaCompiler } from 'fastify';
import type { ZodType } from 'zod';
import { Auth0Error, fromZodError } from '../../shared/errors/auth0-error.js';

/**
 * Validates with the route's zod schema and fails with Auth0's error body naming the field.
 * The type provider's own compiler flattens the ZodError into Ajv-style entries; building the
 * Auth0 message needs the original issues.
 */
export const auth0ValidatorCompiler: FastifySchemaCompiler<ZodType> = ({ schema, httpPart }) => {
  return (data: unknown) => {
    // reportInput lets the message quote the offending value and length, as Auth0's does.
    const result = schema.safeParse(data, { reportInput: true });
    if (result.success) return { value: result.data };
    const where = httpPart === 'body' ? 'body' : httpPart === 'params' ? 'path' : 'query';
    return { error: fromZodError(result.error, { where, schema }) };
  };
};

// Fastify's own client errors (bad JSON, wrong content type, body too large) keep their status
// and get Auth0's body; their codes map onto the nearest Auth0 errorCode.
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_body',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_body',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_body',
};

export function errorHandler(err: FastifyError | Auth0Error, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (err instanceof Auth0Error) {
    if (err.retryAfterSeconds !== undefined) void reply.header('retry-after', String(err.retryAfterSeconds));
    return reply.code(err.statusCode).send(err.toJSON());
  }
  const status = (err as FastifyError).statusCode ?? 500;
  if (status >= 400 && status < 500) {
    const body = new Auth0Error(status, err.message, FASTIFY_CODES[(err as FastifyError).code] ?? 'invalid_request');
    return reply.code(status).send(body.toJSON());
  }
  req.log.error({ err }, 'unhandled error');
  return reply.code(500).send({ statusCode: 500, error: STATUS_CODES[500], message: 'Internal Server Error', errorCode: 'internal_error' });
}

export function notFoundHandler(req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const body = new Auth0Error(404, `Not Found: ${req.method} ${req.url.split('?')[0]}`, 'not_found');
  return reply.code(404).send(body.toJSON());
}
