import type { Admin, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from '../log/index.js';
import { startConsumerRunner, type ConsumedRecord, type ConsumerRunner } from './consumer-runner.js';
import { instanceGroupId } from './instance-group.js';
import type { EventProducer } from './producer.js';
import { withKafkaRetry } from './admin-retry.js';
import { projectionCatchUp } from '../metrics/index.js';

type Offsets = Array<{ partition: number; high: string }>;

/** A projection wait that ran out of time: the record or the log's end was not reached (e.g. Kafka is down). */
export class ProjectionTimeoutError extends Error {
  override readonly name = 'ProjectionTimeoutError';
}

/**
 * A reader's in-memory fold of one topic, with the two waits an API built on it needs:
 * `expect(id)` resolves when the record with that event id has been applied (a command answers
 * only then: read-your-writes and the verdict at once), and `catchUp()` resolves once everything
 * written to the topic before the call has been applied (so a read on any instance sees every
 * write acknowledged before it). Subclasses say how a record is applied.
 *
 * Both waits are bounded by their own deadline (end-offset fetch included: it hangs while the
 * broker is down), clean up after themselves, and never reject without a listener: a caller that
 * gave up on a wait (a failed send) must not turn its timeout into an unhandled rejection.
 */
export abstract class TopicProjection<R extends { id: string }, A> {
  private readonly waiters = new Map<string, (applied: A) => void>();
  /** Next offset to apply, per partition. */
  private readonly position = new Map<number, bigint>();
  private readonly barriers = new Set<{ target: Offsets; resolve: () => void }>();
  private queuedFetch: Promise<Offsets> | undefined;
  private runningFetch: Promise<Offsets> | undefined;
  /** When this fold was last known to hold everything on the topic (a catch-up that succeeded). */
  private caughtUpAt = Date.now();
  /** Whether it ever did: before that, it holds only part of the state, not an older state. */
  private complete = false;

  constructor(
    private readonly admin: Admin,
    private readonly topic: string,
  ) {}

  protected abstract applyRecord(record: R): A;

  /**
   * Starts the fold from a snapshot: the subclass has loaded its states; every record below
   * `through[p]` is in them, so partition p is read from there on.
   */
  protected startFrom(through: ReadonlyMap<number, bigint>): void {
    for (const [partition, offset] of through) this.position.set(partition, offset);
  }

  /** Where each partition is to be read from: past what the fold holds. */
  nextOffsets(): ReadonlyMap<number, bigint> {
    return this.position;
  }
  /** Called once per handled batch with what each record did. */
  protected afterBatch(_applied: Array<{ record: R; applied: A }>): void {}

  /** Consumer-runner handler: applies records in partition order and wakes whoever waits. */
  handle = async (records: ConsumedRecord<R>[]): Promise<void> => {
    const done: Array<{ record: R; applied: A }> = [];
    for (const rec of records) {
      const offset = BigInt(rec.offset);
      // A consumer that restarts after an outage resumes from its last COMMIT, which may be behind
      // what this fold already applied; applying a record twice is not a no-op for every fold.
      if (offset < (this.position.get(rec.partition) ?? 0n)) continue;
      const applied = this.applyRecord(rec.value);
      done.push({ record: rec.value, applied });
      this.position.set(rec.partition, offset + 1n);
      const waiter = this.waiters.get(rec.value.id);
      if (waiter) {
        this.waiters.delete(rec.value.id);
        waiter(applied);
      }
    }
    for (const b of this.barriers) if (this.reached(b.target)) b.resolve();
    this.afterBatch(done);
  };

  /**
   * Registers interest in an event id before it is produced, so the answer cannot be missed.
   * The promise is marked handled here: a caller whose send failed may drop it (after `forget`).
   */
  expect(eventId: string, timeoutMs: number): Promise<A> {
    const applied = new Promise<A>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(eventId);
        reject(new ProjectionTimeoutError(`event ${eventId} was not applied within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.set(eventId, (value) => {
        clearTimeout(timer);
        resolve(value);
      });
    });
    applied.catch(() => undefined);
    return applied;
  }

  forget(eventId: string): void {
    this.waiters.delete(eventId);
  }

  /**
   * Resolves once everything written to the topic before this call has been applied; rejects with
   * ProjectionTimeoutError when that is not known within `timeoutMs` (end offsets included).
   */
  async catchUp(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    let barrier: { target: Offsets; resolve: () => void } | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ProjectionTimeoutError(`projection of ${this.topic} did not catch up within ${timeoutMs} ms`)), timeoutMs);
    });
    const asked = performance.now();
    try {
      const target = await Promise.race([this.endOffsets(), deadline]);
      if (!this.reached(target)) {
        await Promise.race([new Promise<void>((resolve) => this.barriers.add((barrier = { target, resolve }))), deadline]);
      }
      projectionCatchUp.observe({ topic: this.topic }, (performance.now() - asked) / 1000);
      this.caughtUpAt = Date.now();
      this.complete = true;
    } finally {
      clearTimeout(timer);
      if (barrier) this.barriers.delete(barrier);
    }
  }

  /** False while the fold is still loading (start-up): it has never held the whole topic yet. */
  hasBeenComplete(): boolean {
    return this.complete;
  }

  /** Whole seconds since this fold was last confirmed to hold the whole topic. */
  staleSeconds(): number {
    return Math.max(0, Math.floor((Date.now() - this.caughtUpAt) / 1000));
  }

  private reached(target: Offsets): boolean {
    return target.every((t) => (this.position.get(t.partition) ?? 0n) >= BigInt(t.high));
  }

  /**
   * End offsets, fetched at most once at a time: callers arriving while a fetch runs share the
   * NEXT fetch (one that starts after they arrived), never the running one, which might predate
   * a write they already saw acknowledged. Under load that is one fetch for every dozen or so
   * reads (bench:api counts them). For the same reason a result is never reused for a while, nor
   * replaced by the offsets of this instance's own writes: a write another instance acknowledged
   * in between would be missed (a POST answered by one instance and a GET sent at once to another
   * would answer 404). kafkajs' admin makes each fetch a Metadata and two ListOffsets requests.
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
    // Callers race this against their own deadline and may have left when it fails.
    next.catch(() => undefined);
    this.queuedFetch = next;
    return next;
  }
}

/**
 * A group of one member has nobody to hand partitions to, so a short session costs nothing; and
 * after a broker restart the group waits for the session of the member it remembers (this same
 * process, from before the outage) to expire before the restarted consumer gets its partitions:
 * commands wait on the projection, so that wait is the API's recovery time.
 */
export const PROJECTION_SESSION_TIMEOUT_MS = 10_000;

/**
 * Runs a TopicProjection on a group of this process alone (every instance reads every
 * partition), from the beginning, with a short fetch wait and no offset commits: commands block
 * on it.
 */
export function startProjectionRunner<R extends { id: string }>(opts: {
  kafka: Kafka;
  projection: { handle: (records: ConsumedRecord<R>[]) => Promise<void>; nextOffsets(): ReadonlyMap<number, bigint> };
  topic: string;
  topicPrefix: string;
  name: string;
  parse: (message: KafkaMessage) => R;
  deadLetter: { topic: string; producer: EventProducer };
  log: Logger;
  partitions: number;
}): Promise<ConsumerRunner> {
  return startConsumerRunner({
    kafka: opts.kafka,
    groupId: instanceGroupId(opts.topicPrefix, opts.name),
    topics: [opts.topic],
    fromBeginning: true,
    parse: (m) => opts.parse(m),
    handle: opts.projection.handle,
    // A fold started from a snapshot (or resuming after a rebalance) reads on from what it holds.
    onAssigned: (assigned, seek) => {
      for (const { topic, partition } of assigned) {
        const at = opts.projection.nextOffsets().get(partition);
        if (at !== undefined && at > 0n) seek(topic, partition, at.toString());
      }
    },
    deadLetter: opts.deadLetter,
    log: opts.log,
    // Nothing reads this group's committed offsets: the fold lives in memory, the group lives as
    // long as the process, and every (re)assignment seeks to what the fold holds (above). A commit
    // per batch only put a broker round trip between a batch and the next fetch, which every
    // command waits on; 'handler' mode with a handler that never commits leaves it out.
    commit: 'handler',
    partitionsConsumedConcurrently: opts.partitions,
    fetch: { maxWaitMs: 50 },
    sessionTimeoutMs: PROJECTION_SESSION_TIMEOUT_MS,
  });
}
