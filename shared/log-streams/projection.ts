import type { Admin } from 'kafkajs';
import { TopicProjection } from '../kafka/index.js';
import type { LogStreamEventRecord } from './events.js';
import { LogStreamStore, type Applied } from './store.js';

/**
 * One reader's fold of log-streams.events (the API keeps one, every exporter keeps one); see
 * TopicProjection for the read-your-writes waits.
 */
export class LogStreamProjection extends TopicProjection<LogStreamEventRecord, Applied> {
  readonly store = new LogStreamStore();

  constructor(
    admin: Admin,
    topic: string,
    /** Called once per handled batch with the streams it changed (the exporter reconciles them). */
    private readonly onChanged?: (streamIds: Set<string>) => void,
  ) {
    super(admin, topic);
  }

  protected applyRecord(record: LogStreamEventRecord): Applied {
    return this.store.apply(record);
  }

  protected override afterBatch(applied: Array<{ record: LogStreamEventRecord; applied: Applied }>): void {
    const changed = new Set(applied.filter((a) => a.applied.verdict === 'applied').map((a) => a.record.event.stream_id));
    if (changed.size > 0) this.onChanged?.(changed);
  }
}
