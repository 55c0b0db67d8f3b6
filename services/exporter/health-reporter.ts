import type { EventProducer } from '../../shared/kafka/index.js';
import type { Logger } from '../../shared/log/index.js';
import { healthTombstone, toHealthRecord, type DeliveryError, type HealthSnapshot } from '../../shared/log-streams/index.js';

/** What a stream's deliveries tell the rest of the exporter (the suspension window) and the API (health). */
export interface StreamHealthTracker {
  succeeded(partition: number): void;
  failed(partition: number, error: Omit<DeliveryError, 'at'>): void;
  /** How long the stream has gone without a successful delivery since its first failure; 0 while healthy. */
  failingForMs(): number;
}

interface PartitionState {
  lastSuccessAt: string | null;
  lastError: DeliveryError | null;
  dirty: boolean;
}

const ERROR_MESSAGE_LIMIT = 2000;

/**
 * Publishes each stream's delivery health to log-streams.health at most once per interval (a
 * busy stream succeeds hundreds of times a second; readers only need the latest). The failure
 * window is per stream: one partition delivering proves the sink works.
 */
export class HealthReporter {
  private readonly streams = new Map<string, { partitions: Map<number, PartitionState>; failingSince: number | null }>();
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: { producer: EventProducer; topic: string; log: Logger; intervalMs: number; now?: () => number },
  ) {
    this.timer = setInterval(() => void this.flush(), deps.intervalMs);
    this.timer.unref();
  }

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  private stream(streamId: string) {
    let s = this.streams.get(streamId);
    if (!s) this.streams.set(streamId, (s = { partitions: new Map(), failingSince: null }));
    return s;
  }

  private partition(streamId: string, partition: number): PartitionState {
    const s = this.stream(streamId);
    let p = s.partitions.get(partition);
    if (!p) s.partitions.set(partition, (p = { lastSuccessAt: null, lastError: null, dirty: true }));
    return p;
  }

  /** Every partition of the stream carries the stream-wide failing_since, so all of them change with it. */
  private setFailingSince(streamId: string, value: number | null): void {
    const s = this.stream(streamId);
    if (s.failingSince === value) return;
    s.failingSince = value;
    for (const p of s.partitions.values()) p.dirty = true;
  }

  tracker(streamId: string): StreamHealthTracker {
    return {
      succeeded: (partition) => {
        const p = this.partition(streamId, partition);
        p.lastSuccessAt = new Date(this.now()).toISOString();
        p.dirty = true;
        this.setFailingSince(streamId, null);
      },
      failed: (partition, error) => {
        const p = this.partition(streamId, partition);
        p.lastError = { at: new Date(this.now()).toISOString(), status: error.status, message: error.message.slice(0, ERROR_MESSAGE_LIMIT) };
        p.dirty = true;
        if (this.stream(streamId).failingSince === null) this.setFailingSince(streamId, this.now());
      },
      failingForMs: () => {
        const since = this.streams.get(streamId)?.failingSince ?? null;
        return since === null ? 0 : this.now() - since;
      },
    };
  }

  /** A stopped or restarted stream starts a fresh failure window; its last success and error stay. */
  reset(streamId: string): void {
    if (this.streams.has(streamId)) this.setFailingSince(streamId, null);
  }

  /** Tombstones for a deleted stream's keys, so compaction forgets it. */
  async forget(streamId: string, partitions: readonly number[]): Promise<void> {
    this.streams.delete(streamId);
    await Promise.all(partitions.map((p) => this.deps.producer.send(this.deps.topic, healthTombstone(streamId, p))));
  }

  flush(): Promise<void> {
    const run = this.flushing.then(async () => {
      const snapshots: HealthSnapshot[] = [];
      const at = new Date(this.now()).toISOString();
      for (const [streamId, s] of this.streams) {
        for (const [partition, p] of s.partitions) {
          if (!p.dirty) continue;
          p.dirty = false;
          snapshots.push({
            stream_id: streamId,
            partition,
            at,
            last_success_at: p.lastSuccessAt,
            last_error: p.lastError,
            failing_since: s.failingSince === null ? null : new Date(s.failingSince).toISOString(),
          });
        }
      }
      try {
        await Promise.all(snapshots.map((snap) => this.deps.producer.send(this.deps.topic, toHealthRecord(snap))));
      } catch (err) {
        // Health is advisory; the next change publishes a fresh snapshot anyway.
        this.deps.log.warn({ err }, 'could not publish log stream health');
      }
    });
    this.flushing = run;
    return run;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
