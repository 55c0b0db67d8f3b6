import { backoffDelay, sleep } from '../retry/index.js';

/**
 * Retries an admin call while kafkajs marks its error retriable (NOT_LEADER, NOT_COORDINATOR,
 * UNKNOWN_TOPIC_OR_PARTITION right after a topic or group appears, a coordinator still loading):
 * kafkajs' admin gives up on these at once, although they settle within a second or two.
 */
export async function withKafkaRetry<T>(call: () => Promise<T>, opts: { timeoutMs?: number } = {}): Promise<T> {
  const until = Date.now() + (opts.timeoutMs ?? 30_000);
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const retriable = (err as { retriable?: boolean }).retriable === true;
      if (!retriable || Date.now() > until) throw err;
      await sleep(backoffDelay(attempt, { minMs: 50, maxMs: 1000 }));
    }
  }
}
