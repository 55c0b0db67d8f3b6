import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyReply, FastifyRequest, FastifySchemaCompiler } from 'fastify';
import type { ZodType } from 'zod';
import type { Duplex } from 'node:stream';
import { Auth0Error, fromZodError, validationError } from '../../shared/errors/auth0-error.js';
import { BODY_LIMIT_BYTES } from '../../shared/http/json-limits.js';

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

// Fastify's own client errors (bad JSON, wrong content type, body too large, bad URL) keep their
// status and get Auth0's body, worded as Auth0's hapi-based API words them where that is known.
const FASTIFY_ERRORS: Record<string, (err: FastifyError) => Auth0Error> = {
  FST_ERR_CTP_INVALID_JSON_BODY: () => new Auth0Error(400, 'Invalid request payload JSON format', 'invalid_body'),
  FST_ERR_CTP_EMPTY_JSON_BODY: () => new Auth0Error(400, 'Invalid request payload JSON format', 'invalid_body'),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => new Auth0Error(400, 'Request body size did not match Content-Length', 'invalid_body'),
  FST_ERR_CTP_BODY_TOO_LARGE: () => new Auth0Error(413, `Payload content length greater than maximum allowed: ${BODY_LIMIT_BYTES}`, 'payload_too_large'),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () => new Auth0Error(415, 'Unsupported Media Type', 'unsupported_media_type'),
  // The path's percent-encoding is not UTF-8 (e.g. a truncated %E0%A4%A): no route can be matched.
  FST_ERR_BAD_URL: () => validationError('path', 'Invalid percent-encoding in the path'),
  FST_ERR_MAX_PARAM_LENGTH: () =>
    new Auth0Error(414, `Path validation error: 'A path parameter is longer than ${MAX_PARAM_LENGTH} characters'.`, 'invalid_uri'),
};

/** The longest path parameter the router matches (Fastify's maxParamLength). */
export const MAX_PARAM_LENGTH = 100;

const INTERNAL_ERROR = { statusCode: 500, error: STATUS_CODES[500], message: 'Internal Server Error', errorCode: 'internal_error' };

/**
 * Every error becomes Auth0's body. Only client errors say what went wrong; anything else is
 * logged and answered with a generic 500 that names nothing internal.
 */
export function errorHandler(err: FastifyError | Auth0Error, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const known = asAuth0Error(err);
  if (known) {
    if (known.retryAfterSeconds !== undefined) void reply.header('retry-after', String(known.retryAfterSeconds));
    return reply.code(known.statusCode).send(known.toJSON());
  }
  req.log.error({ err }, 'unhandled error');
  return reply.code(500).send(INTERNAL_ERROR);
}

/** The Auth0 error a thrown error stands for: ours, Fastify's client errors, any other 4xx; undefined for a server fault. */
export function asAuth0Error(err: unknown): Auth0Error | undefined {
  if (err instanceof Auth0Error) return err;
  const known = FASTIFY_ERRORS[(err as FastifyError).code];
  if (known) return known(err as FastifyError);
  const status = (err as FastifyError).statusCode ?? 500;
  if (status >= 400 && status < 500) return new Auth0Error(status, (err as Error).message, 'invalid_request');
  return undefined;
}

export function notFoundHandler(req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const body = new Auth0Error(404, `Not Found: ${req.method} ${req.url.split('?')[0]}`, 'not_found');
  return reply.code(404).send(body.toJSON());
}

/**
 * Requests Node's HTTP parser refuses before Fastify sees them (headers too large, a malformed
 * request line): the same Auth0 body, written on the socket as Fastify's default handler does.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const error =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? new Auth0Error(408, 'Client Timeout', 'request_timeout')
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? new Auth0Error(431, 'Exceeded maximum allowed HTTP header size', 'header_too_large')
        : new Auth0Error(400, 'Malformed HTTP request', 'invalid_request');
  const body = JSON.stringify(error.toJSON());
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${error.statusCode} ${STATUS_CODES[error.statusCode]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}
