import { setTimeout as delay } from 'node:timers/promises';

export interface BackoffPolicy {
  minMs: number;
  maxMs: number;
}

/** "Full jitter" (AWS architecture blog): random in [0, min(max, min·2^attempt)], never below minMs/2. */
export function backoffDelay(attempt: number, policy: BackoffPolicy): number {
  const ceiling = Math.min(policy.maxMs, policy.minMs * 2 ** Math.min(attempt, 30));
  return Math.max(policy.minMs / 2, Math.random() * ceiling);
}

/** Sleeps, waking early (without throwing) when the signal aborts. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return;
  await delay(ms, undefined, { signal }).catch(() => undefined);
}
