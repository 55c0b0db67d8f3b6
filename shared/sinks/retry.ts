import { backoffDelay, type BackoffPolicy } from '../retry/backoff.js';
import type { DeliveryOutcome } from './types.js';

export interface RetryPolicy extends BackoffPolicy {
  /** A server asking for longer than this is still retried, just sooner, so a stream never sleeps for hours. */
  retryAfterCapMs: number;
}

/** 1 s to 30 s full jitter, Vector's range for HTTP sinks; Retry-After capped at 5 minutes. */
export const defaultRetryPolicy: RetryPolicy = { minMs: 1000, maxMs: 30_000, retryAfterCapMs: 300_000 };

export type RetryOutcome = Extract<DeliveryOutcome, { kind: 'retry' }>;

/** How long to wait before attempt `attempt + 1` (attempt counts from 0): the server's Retry-After wins when it gave one. */
export function nextDelay(attempt: number, outcome: RetryOutcome, policy: RetryPolicy = defaultRetryPolicy): number {
  if (outcome.retryAfterMs !== undefined) return Math.min(outcome.retryAfterMs, policy.retryAfterCapMs);
  return backoffDelay(attempt, policy);
}
