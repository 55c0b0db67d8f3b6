import type { Admin } from 'kafkajs';
import type { ConsumedRecord } from '../kafka/index.js';
import type { LogStreamEventRecord } from './events.js';
import { LogStreamStore, type Applied } from './store.js';

type Offsets = Array<{ partition: number; high: string }>;

/**
 * One reader's fold of log-streams.events (the API keeps one, every exporter keeps one). Commands
 * wait until the fold applied the event they produced (read-your-writes and the verdict at once);
 * reads wait until it caught up with what the topic held when they arrived.
 */
export class LogStreamProjection {
  readonly store = new LogStreamStore();
  private readonly waiters = new Map<string, (applied: Applied) => void>();
  private readonly position = new Map<number, bigint>();
  private readonly barriers = new Set<{ target: Offsets; resolve: () => void }>();
  private pendingFetch: Promise<Offsets> | undefined;
  private runningFetch: Promise<Offsets> | undefined;

  constructor(
    private readonly admin: Admin,
    private readonly topic: string,
    /** Called once per handled batch with the streams it changed (the exporter reconciles them). */
    private readonly onChanged?: (streamIds: Set<string>) => void,
  ) {}

  handle = async (records: ConsumedRecord<LogStreamEventRecord>[]): Promise<void> => {
    const changed = new Set<string>();
    for (const rec of records) {
      const applied = this.store.apply(rec.value);
      if (applied.verdict === 'applied') changed.add(rec.value.event.stream_id);
      this.position.set(rec.partition, BigInt(rec.offset) + 1n);
      const waiter = this.waiters.get(rec.value.id);
      if (waiter) {
        this.waiters.delete(rec.value.id);
        waiter(applied);
      }
    }
    for (const b of this.barriers) if (this.reached(b.target)) b.resolve();
    if (changed.size > 0) this.onChanged?.(changed);
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
        reject(new Error(`log stream projection did not catch up within ${timeoutMs} ms`));
      }, timeoutMs);
      this.barriers.add(barrier);
    });
  }

  private reached(target: Offsets): boolean {
    return target.every((t) => (this.position.get(t.partition) ?? 0n) >= BigInt(t.high));
  }

  /** Callers arriving while a fetch runs share the NEXT one: the running one may predate a write they saw acknowledged. */
  private endOffsets(): Promise<Offsets> {
    if (this.pendingFetch) return this.pendingFetch;
    const previous = this.runningFetch ?? Promise.resolve([]);
    const next: Promise<Offsets> = previous
      .catch(() => [])
      .then(() => {
        this.pendingFetch = undefined;
        this.runningFetch = next;
        return this.admin.fetchTopicOffsets(this.topic);
      });
    this.pendingFetch = next;
    return next;
  }
}
