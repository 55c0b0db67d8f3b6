import type { DeliveryOutcome } from './types.js';

/** Enough of a response body to explain a refusal in the dead-letter record, not a whole HTML error page. */
export const RESPONSE_BODY_LIMIT = 4096;

/** `Retry-After` as milliseconds from now: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // All three HTTP-date forms start with a day name; Date.parse alone would read "-5" as a year.
  if (!/^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)/i.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Statuses that no retry of any batch can fix: the URL, the credentials or the method are wrong.
 * 501 belongs here because the server says it does not implement what we ask (Vector: not retried).
 */
const SINK_STATUSES = new Set([401, 403, 404, 405, 410, 501]);

/** Retry 408, 429 and 5xx except 501, as Vector and Fluent Bit do; every other non-2xx is a reject. */
export function classifyStatus(status: number, body: string, retryAfter?: string): DeliveryOutcome {
  if (status >= 200 && status < 300) return { kind: 'ok', status };
  const snippet = body.slice(0, RESPONSE_BODY_LIMIT);
  const detail = snippet === '' ? `HTTP ${status}` : `HTTP ${status}: ${snippet.slice(0, 200)}`;
  if (status === 408 || status === 429 || (status >= 500 && status !== 501)) {
    const retryAfterMs = parseRetryAfter(retryAfter);
    return retryAfterMs === undefined ? { kind: 'retry', status, reason: detail } : { kind: 'retry', status, retryAfterMs, reason: detail };
  }
  if (status >= 300 && status < 400) {
    // Following a redirect would send audit data and credentials somewhere nobody configured.
    return { kind: 'reject', status, responseBody: snippet, reason: `${detail} (redirects are not followed; fix the endpoint)`, scope: 'sink' };
  }
  return { kind: 'reject', status, responseBody: snippet, reason: detail, scope: SINK_STATUSES.has(status) ? 'sink' : 'batch' };
}
