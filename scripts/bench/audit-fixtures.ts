import type { Kafka } from 'kafkajs';
import { createSecretBox } from '../../shared/crypto/secret-box.js';
import { decideCreate, decideUpdate, generateClientId, generateClientSecret, toClientEventRecord, type ClientState, type EventMeta } from '../../shared/clients/index.js';
import { createEventProducer } from '../../shared/kafka/index.js';

const meta: EventMeta = { actor: 'auth0|bench', actorclient: 'bench-app', actorname: 'Bench', requestid: 'r', ip: '127.0.0.1', useragent: 'bench', method: 'PATCH', path: '/api/v2/clients/x' };

/**
 * `total` realistic clients.events records: one create per client, then updates of one field each,
 * each decided on the version it applies to, so every record yields exactly one audit entry.
 */
export async function produceClientEvents(kafka: Kafka, topic: string, total: number, clients = Math.max(1, Math.floor(total / 10))): Promise<void> {
  const box = createSecretBox(Buffer.alloc(32, 7));
  const sealed = box.seal(generateClientSecret());
  const producer = await createEventProducer(kafka, { maxBatch: 5000 });
  const versions: Array<{ id: string; version: number; state: ClientState }> = [];
  const pending: Promise<void>[] = [];
  const at = new Date().toISOString();
  for (let n = 0; n < total; n++) {
    let event;
    if (n < clients) {
      const clientId = generateClientId();
      event = decideCreate({ name: `bench client ${n}`, app_type: 'regular_web', callbacks: [`https://c${n}.example.com/cb`] }, { clientId, secretSealed: sealed });
      versions.push({ id: clientId, version: 1, state: { client_id: clientId, version: 1, deleted: false, config: event.data.client, client_secret_sealed: sealed, field_versions: {}, created_at: at, updated_at: at } });
    } else {
      const c = versions[n % clients]!;
      event = decideUpdate(c.state, { description: `revision ${n}` });
      c.state = { ...c.state, version: c.state.version + 1, config: { ...c.state.config, description: `revision ${n}` } };
    }
    pending.push(producer.send(topic, toClientEventRecord(event, meta).record));
    if (pending.length >= 20_000) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  await producer.disconnect();
}
