import { STATUS_CODES } from 'node:http';

/** The JSON body of an Auth0 Management API error. */
export interface Auth0ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  errorCode?: string;
  /** Auth0 adds `attributes: {error}` to some 401 answers instead of an errorCode. */
  attributes?: { error: string };
}

// Auth0 answers with the reason phrases of RFC 2616 (its API runs on hapi/boom), where Node has
// RFC 9110's newer names.
const AUTH0_REASONS: Record<number, string> = { 413: 'Request Entity Too Large', 414: 'Request-URI Too Large' };

/**
 * An error answered in Auth0's shape `{statusCode, error, message, errorCode}`. `statusCode`
 * also lets Fastify pick the HTTP status when the error is thrown from a handler.
 */
export class Auth0Error extends Error {
  override readonly name = 'Auth0Error';
  readonly statusCode: number;
  /** The HTTP reason phrase, e.g. "Bad Request". */
  readonly error: string;
  readonly errorCode: string | undefined;
  readonly attributes: { error: string } | undefined;
  /** Sent as the Retry-After header (503 while a dependency is down). */
  readonly retryAfterSeconds: number | undefined;

  constructor(statusCode: number, message: string, errorCode?: string, options?: { attributes?: { error: string }; cause?: unknown; retryAfterSeconds?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.statusCode = statusCode;
    this.error = AUTH0_REASONS[statusCode] ?? STATUS_CODES[statusCode] ?? 'Error';
    this.errorCode = errorCode;
    this.attributes = options?.attributes;
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }

  toJSON(): Auth0ErrorBody {
    const body: Auth0ErrorBody = { statusCode: this.statusCode, error: this.error, message: this.message };
    if (this.errorCode !== undefined) body.errorCode = this.errorCode;
    if (this.attributes !== undefined) body.attributes = this.attributes;
    return body;
  }
}

export const isAuth0Error = (err: unknown): err is Auth0Error => err instanceof Auth0Error;

export const badRequest = (message: string, errorCode = 'invalid_body') => new Auth0Error(400, message, errorCode);

/** Auth0 sometimes omits errorCode on 401; we always send one so clients can branch on it. */
export const unauthorized = (message = 'Invalid token', errorCode = 'invalid_token') =>
  new Auth0Error(401, message, errorCode, { attributes: { error: message } });

export const forbidden = (message: string, errorCode = 'insufficient_scope') => new Auth0Error(403, message, errorCode);

export const notFound = (message = 'The client does not exist', errorCode = 'inexistent_client') =>
  new Auth0Error(404, message, errorCode);

/** Auth0's errorCode for 409 is unconfirmed; "conflict" is our choice. */
export const conflict = (message: string, errorCode = 'conflict') => new Auth0Error(409, message, errorCode);

/** How long a caller should wait before retrying while a dependency (Kafka) is down. */
export const RETRY_AFTER_SECONDS = 5;

/** A dependency outage: 503 with Retry-After, so clients back off and retry instead of failing. */
export const unavailable = (message: string, options: { cause?: unknown; retryAfterSeconds?: number } = {}) =>
  new Auth0Error(503, message, 'temporarily_unavailable', { cause: options.cause, retryAfterSeconds: options.retryAfterSeconds ?? RETRY_AFTER_SECONDS });

export { fromZodError, fromZodIssues, validationError, type ValidationTarget } from './from-zod.js';

