import { unavailable } from '../errors/auth0-error.js';

/**
 * Runs a ClickHouse read for an HTTP answer: any failure of it is the dependency's outage, so
 * the caller gets Auth0's 503 with Retry-After (invariant 9) instead of a 500.
 */
export async function readOrUnavailable<T>(what: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    throw unavailable(`${what} is unavailable; retry later.`, { cause: err });
  }
}
