import { setTimeout as delay } from 'node:timers/promises';
import { nextDelay, type AuditEntry, type DeliveryOutcome, type RetryPolicy, type SinkClient } from '../../shared/sinks/index.js';
import type { StreamHealthTracker } from './health-reporter.js';
import { RetryBatchError } from '../../shared/kafka/index.js';
import { sinkDeliveredEntries, sinkDeliveries, sinkFailures, sinkRetries } from '../../shared/metrics/index.js';

export type Reject = Extract<DeliveryOutcome, { kind: 'reject' }>;

export interface DeliveryPolicy {
  retry: RetryPolicy;
  /** A stream that has not delivered anything for this long while failing is suspended. */
  suspendAfterMs: number;
}

export interface SuspendReason {
  status: number | null;
  message: string;
}

export type BatchResult<E> =
  | { kind: 'delivered'; rejected: Array<{ entry: E; outcome: Reject }> }
  | { kind: 'suspend'; reason: SuspendReason };

/** Thrown when the stream stops (pause, shutdown, revocation) while a batch waits to retry: nothing is committed. */
export class DeliveryStopped extends RetryBatchError {
  override name = 'DeliveryStopped';
}

export interface DeliverOptions {
  client: Pick<SinkClient, 'plan' | 'deliver'>;
  policy: DeliveryPolicy;
  health: StreamHealthTracker;
  partition: number;
  /** Ends waits between attempts, never a request in flight: a batch the sink accepts while we stop still counts. */
  signal: AbortSignal;
  heartbeat: () => Promise<void>;
  /**
   * Requests of this batch sent at once (default 1). The batch still resolves only once every one
   * of them was acknowledged (or its entries dead-lettered), so nothing is committed earlier; the
   * sink may see consecutive requests of one partition in either order.
   */
  inFlight?: number;
  /** The log stream's id, the `stream` label of the sink metrics. */
  stream?: string;
}

/** Sleeps in short steps so the consumer keeps its group membership through a long back-off. */
export async function waitWithHeartbeat(ms: number, signal: AbortSignal, heartbeat: () => Promise<void>): Promise<void> {
  const until = Date.now() + ms;
  while (!signal.aborted) {
    const left = until - Date.now();
    if (left <= 0) return;
    await delay(Math.min(left, 1000), undefined, { signal }).catch(() => undefined);
    await heartbeat().catch(() => undefined);
  }
  throw new DeliveryStopped('stream stopped while waiting to retry');
}

const problem = (o: Exclude<DeliveryOutcome, { kind: 'ok' }>): SuspendReason => ({ status: o.status ?? null, message: o.reason });

/**
 * Delivers entries in the sink's own request sizes, started in order, and says what became of them:
 * - retry outcomes (408, 429, 5xx, timeouts) are retried with capped jittered back-off, honouring
 *   Retry-After, until the stream has failed for `suspendAfterMs` → suspend;
 * - a 'sink' reject (credentials, endpoint) → suspend at once: every batch would fail alike;
 * - a 'batch' reject is split in halves and each retried, so one poison entry is isolated and
 *   dead-lettered alone instead of taking its neighbours with it.
 * Each entry keeps its log_id across attempts; the sink client adds a per-batch idempotency key.
 * Up to `inFlight` requests go at once; a suspension stops new ones and waits for those under way.
 */
export async function deliverEntries<E extends AuditEntry>(entries: readonly E[], opts: DeliverOptions): Promise<BatchResult<E>> {
  const groups = opts.client.plan(entries) as E[][];
  // Per request, so the dead letters come out in offset order whatever order the answers came in.
  const rejected: Array<Array<{ entry: E; outcome: Reject }>> = groups.map(() => []);
  let suspend: SuspendReason | undefined;
  let failure: { error: unknown } | undefined;

  const stream = { stream: opts.stream ?? '' };
  async function send(group: readonly E[], into: Array<{ entry: E; outcome: Reject }>): Promise<SuspendReason | undefined> {
    for (let attempt = 0; ; attempt++) {
      const outcome = await opts.client.deliver(group);
      if (outcome.kind === 'ok') {
        opts.health.succeeded(opts.partition);
        sinkDeliveries.inc(stream);
        sinkDeliveredEntries.inc(stream, group.length);
        return undefined;
      }
      opts.health.failed(opts.partition, problem(outcome));
      sinkFailures.inc({ ...stream, outcome: outcome.kind });
      if (outcome.kind === 'reject') {
        if (outcome.scope === 'sink') return problem(outcome);
        if (group.length === 1) {
          into.push({ entry: group[0]!, outcome });
          return undefined;
        }
        const half = Math.ceil(group.length / 2);
        return (await send(group.slice(0, half), into)) ?? (await send(group.slice(half), into));
      }
      if (opts.health.failingForMs() >= opts.policy.suspendAfterMs) {
        return { status: outcome.status ?? null, message: `no delivery for ${Math.round(opts.health.failingForMs() / 1000)} s; last: ${outcome.reason}` };
      }
      await waitWithHeartbeat(nextDelay(attempt, outcome, opts.policy.retry), opts.signal, opts.heartbeat);
      sinkRetries.inc(stream);
    }
  }

  let next = 0;
  async function lane(): Promise<void> {
    while (suspend === undefined && failure === undefined && next < groups.length) {
      const i = next++;
      try {
        // Not `suspend ??= await …`: that reads `suspend` before the await and would overwrite
        // another lane's reason with this lane's undefined.
        const reason = await send(groups[i]!, rejected[i]!);
        if (reason !== undefined) suspend ??= reason;
      } catch (error) {
        failure ??= { error };
      }
    }
  }
  // Every lane ends before the batch does: no request of a batch is left running behind its outcome.
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.inFlight ?? 1, groups.length)) }, lane));
  if (failure !== undefined) throw failure.error;
  if (suspend !== undefined) return { kind: 'suspend', reason: suspend };
  return { kind: 'delivered', rejected: rejected.flat() };
}
