import type { Admin } from 'kafkajs';
import { ClientStateStore, type Applied, type ClientEventRecord } from '../../../shared/clients/index.js';
import { withKafkaRetry, type ConsumedRecord } from '../../../shared/kafka/index.js';

type Offsets = Array<{ partition: number; high: string }>;

/**
 * The API's own fold of clients.events. Commands are answered only once this projection has
 * applied the event they produced (read-your-writes and the conflict verdict in one), and reads
 * first wait until it has caught up with everything on the topic at the time of the request, so
 * a GET after a 2xx from ANY instance sees that write.
 */
export class ClientProjection {
  readonly store = new ClientStateStore();
  private readonly waiters = new Map<string, (applied: Applied) => void>();
  /** Next offset to apply, per partition. */
  private readonly position = new Map<number, bigint>();
  private readonly barriers = new Set<{ target: Offsets; resolve: () => void }>();
  private queuedFetch: Promise<Offsets> | undefined;
  private runningFetch: Promise<Offsets> | undefined;

  constructor(
    private readonly admin: Admin,
    private readonly topic: string,
  ) {}

  /** Consumer-runner handler: applies records in partition order and wakes whoever waits. */
  handle = async (records: ConsumedRecord<ClientEventRecord>[]): Promise<void> => {
    for (const rec of records) {
      const applied = this.store.apply(rec.value);
      this.position.set(rec.partition, BigInt(rec.offset) + 1n);
      const waiter = this.waiters.get(rec.value.id);
      if (waiter) {
        this.waiters.delete(rec.value.id);
        waiter(applied);
      }
    }
    for (const b of this.barriers) if (this.reached(b.target)) b.resolve();
  };

  /** Registers interest in an event id before it is produced, so the answer cannot be missed. */
  expect(eventId: string, timeoutMs: number): Promise<Applied> {
    return new Promise<Applied>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(eventId);
        reject(new Error(`event ${eventId} was not applied within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.set(eventId, (applied) => {
        clearTimeout(timer);
        resolve(applied);
      });
    });
  }

  forget(eventId: string): void {
    this.waiters.delete(eventId);
  }

  /** Resolves once everything written to the topic before this call has been applied. */
  async catchUp(timeoutMs: number): Promise<void> {
    const target = await this.endOffsets();
    if (this.reached(target)) return;
    await new Promise<void>((resolve, reject) => {
      const barrier = {
        target,
        resolve: () => {
          clearTimeout(timer);
          this.barriers.delete(barrier);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.barriers.delete(barrier);
        reject(new Error(`projection did not catch up within ${timeoutMs} ms`));
      }, timeoutMs);
      this.barriers.add(barrier);
    });
  }

  private reached(target: Offsets): boolean {
    return target.every((t) => (this.position.get(t.partition) ?? 0n) >= BigInt(t.high));
  }

  /**
   * End offsets, fetched at most once at a time: callers arriving while a fetch runs share the
   * NEXT fetch (one that starts after they arrived), never the running one, which might predate
   * a write they already saw acknowledged.
   */
  private endOffsets(): Promise<Offsets> {
    if (this.queuedFetch) return this.queuedFetch;
    const previous = this.runningFetch ?? Promise.resolve([]);
    const next: Promise<Offsets> = previous
      .catch(() => [])
      .then(() => {
        this.queuedFetch = undefined;
        this.runningFetch = next;
        return withKafkaRetry(() => this.admin.fetchTopicOffsets(this.topic), { timeoutMs: 5000 });
      });
    this.queuedFetch = next;
    return next;
  }
}
