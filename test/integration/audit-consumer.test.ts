import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useClickHouse } from '../helpers/clickhouse.js';
import { createSecretBox } from '../../shared/crypto/secret-box.js';
import { decideCreate, decideUpdate, foldEvents, generateClientId, toClientEventRecord, type ClientEvent, type EventMeta } from '../../shared/clients/index.js';
import { startAuditConsumer } from '../../services/audit/consumer.js';
import { apply as applyStream, decideCreate as decideStream, decideDelete as decideStreamDelete, generateLogStreamId, toLogStreamEventRecord } from '../../shared/log-streams/index.js';
import { eventually, testLog, useKafka } from '../helpers/kafka.js';

const meta: EventMeta = { actor: 'auth0|a', actorclient: 'app', actorname: 'A', requestid: 'r', ip: '127.0.0.1', useragent: 'ua', method: 'PATCH', path: '/api/v2/clients/x' };

describe('audit consumer', () => {
  const db = useClickHouse('audit');

  it('backs off while ClickHouse is down and resumes without losing or repeating an entry', async (t) => {
    const k = await useKafka(t);
    const box = createSecretBox(Buffer.alloc(32, 1));
    // Five clients, each created and updated twice; one stale same-field update is a conflict (no entry).
    const events: ClientEvent[] = [];
    for (let i = 0; i < 5; i++) {
      const created = decideCreate({ name: `c${i}` }, { clientId: generateClientId(), secretSealed: box.seal('s') });
      const s1 = foldEvents([{ event: created, at: new Date().toISOString() }]).state!;
      const u1 = decideUpdate(s1, { description: 'one' });
      const stale = decideUpdate(s1, { description: 'stale' });
      const s2 = foldEvents([{ event: u1, at: new Date().toISOString() }], s1).state!;
      events.push(created, u1, stale, decideUpdate(s2, { logo_uri: 'https://l.example.com/x.png' }));
    }
    for (const e of events) await k.producer.send(k.names.clientEvents, toClientEventRecord(e, meta).record);

    let failures = 0;
    const flaky = {
      client: new Proxy(db.ch.client, {
        get(target, prop, receiver) {
          if (prop === 'insert') {
            return async (...args: Parameters<typeof target.insert>) => {
              if (failures < 3) {
                failures++;
                throw new Error('ECONNREFUSED: ClickHouse is down');
              }
              return target.insert(...args);
            };
          }
          return Reflect.get(target, prop, receiver);
        },
      }),
    };
    const consumer = await startAuditConsumer({ kafka: k.kafka, admin: k.admin, ch: flaky, names: k.names, producer: k.producer, log: testLog, groupId: k.unique('audit'), fetch: { maxWaitMs: 50 } });
    t.after(() => consumer.stop());

    const expected = 15; // 5 creates + 10 applied updates; the 5 stale ones conflict
    const rows = await eventually(async () => {
      const r = await (await db.ch.client.query({ query: 'SELECT log_id, type, target_client_id FROM audit_log FINAL WHERE user_id = {u:String}', query_params: { u: 'auth0|a' }, format: 'JSONEachRow' })).json<{ log_id: string }>();
      return r.length >= expected ? r : undefined;
    }, 60_000, `${expected} audit rows`);
    assert.ok(failures >= 3, 'the insert failed while ClickHouse was down');
    assert.equal(rows.length, expected);
    assert.equal(new Set(rows.map((r) => r.log_id)).size, expected);
  });

  it('turns applied log-stream events into sapi entries, sink secrets redacted', async (t) => {
    const k = await useKafka(t);
    const box = createSecretBox(Buffer.alloc(32, 2));
    const created = decideStream({ name: 'to splunk', type: 'splunk', sink: { splunkDomain: 'splunk.example.com', splunkPort: '8088', splunkToken: 'plain-hec-token-42', splunkSecure: true } } as never, { id: generateLogStreamId(), box, now: new Date() });
    const { state } = applyStream(undefined, created, new Date().toISOString());
    const deleted = decideStreamDelete(state)!;
    for (const e of [created, deleted, deleted /* stale repeat: a conflict, no entry */]) {
      await k.producer.send(k.names.logStreamEvents, toLogStreamEventRecord(e, { ...meta, method: 'POST', path: '/api/v2/log-streams' }).record);
    }
    const consumer = await startAuditConsumer({ kafka: k.kafka, admin: k.admin, ch: db.ch, names: k.names, producer: k.producer, log: testLog, groupId: k.unique('audit-streams'), fetch: { maxWaitMs: 50 } });
    t.after(() => consumer.stop());
    const rows = await eventually(async () => {
      const r = await (await db.ch.client.query({ query: "SELECT description, details FROM audit_log FINAL WHERE description LIKE '%log stream%' ORDER BY date", format: 'JSONEachRow' })).json<{ description: string; details: string }>();
      return r.length >= 2 ? r : undefined;
    }, 30_000, 'two log stream entries');
    assert.deepEqual(rows.map((r) => r.description), ['Create a log stream', 'Delete a log stream']);
    assert.ok(!JSON.stringify(rows).includes('plain-hec-token-42'), 'the sink token is not in the trail');
  });
});
