import { Auth0Error } from '../../errors/auth0-error.js';

/**
 * A GET /logs request that cannot be turned into a query. Thrown from a route it answers in
 * Auth0's error shape: 400 with errorCode `invalid_query_string` (the code Auth0 uses for bad
 * query-string parameters), or 414 when `q` is too long, as Auth0 does.
 */
export class LogQueryError extends Auth0Error {
  /** 0-based offset in `q` where parsing failed; undefined for errors not about `q`'s syntax. */
  readonly position: number | undefined;

  constructor(message: string, options: { position?: number; statusCode?: 400 | 414 } = {}) {
    super(options.statusCode ?? 400, message, options.statusCode === 414 ? 'query_too_long' : 'invalid_query_string');
    this.position = options.position;
  }

  /** `Invalid query at position 14: expected a value after "type:"`. */
  static at(position: number, detail: string): LogQueryError {
    return new LogQueryError(`Invalid query at position ${position}: ${detail}`, { position });
  }
}

/** Input quoted into an error message, cut short so a huge `q` does not make a huge answer. */
export function quote(text: string, max = 40): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}
