import { ClientStateStore, type Applied, type ClientEventRecord } from '../../../shared/clients/index.js';
import { TopicProjection } from '../../../shared/kafka/index.js';

/** The API's own fold of clients.events (see TopicProjection for the read-your-writes waits). */
export class ClientProjection extends TopicProjection<ClientEventRecord, Applied> {
  readonly store = new ClientStateStore();

  protected applyRecord(record: ClientEventRecord): Applied {
    return this.store.apply(record);
  }
}
