import { setMaxListeners } from 'node:events';
import type { OutgoingRecord } from '../events/index.js';
import type { Logger } from '../log/index.js';
import { backoffDelay, sleep } from '../retry/index.js';
import type { EventProducer } from './producer.js';

export interface BackgroundDeliveryOptions {
  /** How long `send` holds its caller (an HTTP answer) before leaving the delivery to the background; 0 while Kafka is failing. */
  waitMs?: number;
  /** Records kept for delivery at once; past it a record is logged at error and dropped. */
  maxPending?: number;
  /** How long a record keeps being retried (a broker outage longer than this loses it, logged at error). */
  maxAgeMs?: number;
}

/**
 * For records that must not hold up an answer while Kafka is down (audit.requests): `send` waits
 * at most `waitMs` for the acknowledgement, then keeps retrying the SAME bytes in the background
 * (re-sending them is harmless: their consumer dedupes by the record's id) until they are on
 * Kafka or too old. `disconnect` gives pending records a last attempt; it leaves the underlying
 * producer open (it belongs to whoever created it).
 */
export function withBackgroundDelivery(producer: EventProducer, log: Logger, opts: BackgroundDeliveryOptions = {}): EventProducer {
  const waitMs = opts.waitMs ?? 500;
  const maxPending = opts.maxPending ?? 10_000;
  const maxAgeMs = opts.maxAgeMs ?? 15 * 60_000;
  const pending = new Set<Promise<void>>();
  const closing = new AbortController();
  // Every record retrying in the background sleeps on this one signal.
  setMaxListeners(0, closing.signal);
  // While Kafka is known to be failing, callers do not wait at all: the answer they hold (often a
  // 503 about that very outage) would only be delayed for nothing.
  let failing = false;

  async function deliver(topic: string, record: OutgoingRecord): Promise<void> {
    const until = Date.now() + maxAgeMs;
    for (let attempt = 1; ; attempt++) {
      try {
        await producer.send(topic, record);
        failing = false;
        if (attempt > 1) log.info({ topic, attempt }, 'record delivered after retries');
        return;
      } catch (err) {
        failing = true;
        if (Date.now() > until || closing.signal.aborted) {
          log.error({ err, topic, attempt }, 'record could not be delivered to Kafka; it is lost');
          return;
        }
        if (attempt === 1) log.warn({ err, topic }, 'record not delivered yet; retrying in the background');
        await sleep(backoffDelay(attempt, { minMs: 500, maxMs: 10_000 }), closing.signal);
      }
    }
  }

  return {
    async send(topic, record) {
      if (pending.size >= maxPending) {
        log.error({ topic, pending: pending.size }, 'too many records waiting for Kafka; this one is dropped');
        return;
      }
      const delivery = deliver(topic, record);
      pending.add(delivery);
      void delivery.finally(() => pending.delete(delivery));
      if (failing) return;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([delivery, new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]);
      clearTimeout(timer);
    },
    async disconnect() {
      // The back-off sleeps end at once: one more attempt each.
      closing.abort();
      await Promise.all(pending);
    },
  };
}
