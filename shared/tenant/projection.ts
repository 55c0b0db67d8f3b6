import type { Admin } from 'kafkajs';
import { TopicProjection } from '../kafka/index.js';
import type { TenantEventRecord } from './events.js';
import { TenantStore, type Applied } from './store.js';

/** One reader's fold of tenant.events (the API keeps one); see TopicProjection for the read-your-writes waits. */
export class TenantProjection extends TopicProjection<TenantEventRecord, Applied> {
  readonly store = new TenantStore();

  constructor(admin: Admin, topic: string, private readonly onApplied?: () => void) {
    super(admin, topic);
  }

  protected applyRecord(record: TenantEventRecord): Applied {
    return this.store.apply(record);
  }

  protected override afterBatch(applied: Array<{ record: TenantEventRecord; applied: Applied }>): void {
    if (applied.some((a) => a.applied.verdict === 'applied')) this.onApplied?.();
  }
}
