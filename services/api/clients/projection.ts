import { ClientStateSchema, ClientStateStore, type Applied, type ClientEventRecord } from '../../../shared/clients/index.js';
import type { ClickHouseHandle } from '../../../shared/clickhouse/index.js';
import { readSnapshot } from '../../../shared/fold/snapshot.js';
import { TopicProjection } from '../../../shared/kafka/index.js';

/** The API's own fold of clients.events (see TopicProjection for the read-your-writes waits). */
export class ClientProjection extends TopicProjection<ClientEventRecord, Applied> {
  readonly store = new ClientStateStore();

  protected applyRecord(record: ClientEventRecord): Applied {
    return this.store.apply(record);
  }

  /**
   * Starts from the audit service's snapshot (shared/fold/snapshot.ts) instead of offset 0, so
   * start-up reads state plus a short tail. Without a snapshot it folds the whole topic.
   */
  async loadSnapshot(ch: Pick<ClickHouseHandle, 'client'>, topic: string): Promise<number> {
    const snapshot = await readSnapshot(ch, topic);
    for (const s of snapshot.states) this.store.put(ClientStateSchema.parse(JSON.parse(s.state)));
    this.startFrom(snapshot.through);
    return snapshot.states.length;
  }
}
