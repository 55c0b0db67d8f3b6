/**
 * No hole in the audit trail: an action whose full entry cannot be built or stored still gets an
 * entry (degraded, same log_id) and its original goes to the dead-letter topic; retried attempts
 * derive exactly the entries one clean attempt would have.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { createClickHouse, migrate, type ClickHouseHandle } from '../../shared/clickhouse/index.js';
import { migrations } from '../../shared/migrations/index.js';
import { createSecretBox } from '../../shared/crypto/secret-box.js';
import {
  apply, decideCreate, decideDelete, decideRotate, decideUpdate, generateClientId, toClientEventRecord, type ClientEvent, type ClientState, type EventMeta,
} from '../../shared/clients/index.js';
import { entryFromClientEvent, makeLogId, parseAuditLogRecord } from '../../shared/audit/index.js';
import { DLQ_HEADERS } from '../../shared/kafka/index.js';
import { startAuditConsumer } from '../../services/audit/consumer.js';
import { eventually, readTopic, testLog, useKafka } from '../helpers/kafka.js';

const meta: EventMeta = { actor: 'auth0|hole', actorclient: 'app', actorname: 'A', requestid: 'r', ip: '127.0.0.1', useragent: 'ua', method: 'POST', path: '/api/v2/clients' };
const box = createSecretBox(Buffer.alloc(32, 3));

interface Row { log_id: string; type: string; target_client_id: string; description: string; details: string }

describe('audit trail without holes', () => {
  let dir: string;
  let ch: ClickHouseHandle;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'apptrail-audit-hole-'));
    ch = await createClickHouse({ database: 'apptrail', dataPath: dir });
    await migrate(ch, migrations);
  });
  after(async () => {
    await ch.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function rowsFor(ids: string[]): Promise<Row[]> {
    const res = await ch.client.query({
      query: 'SELECT log_id, type, target_client_id, description, details FROM audit_log FINAL WHERE target_client_id IN {ids:Array(String)} ORDER BY log_id',
      query_params: { ids },
      format: 'JSONEachRow',
    });
    return res.json<Row>();
  }

  it('records an action whose entry ClickHouse refuses or whose body overflows redaction, degraded, and goes on with the rest', async (t) => {
    const k = await useKafka(t, { partitions: 1 });
    const sent: Array<{ id: string; time: string; clientId: string; kind: 'ok' | 'surrogate' | 'deep' }> = [];
    async function send(event: ClientEvent, kind: 'ok' | 'surrogate' | 'deep') {
      const { record, id, time } = toClientEventRecord(event, meta);
      if (kind === 'deep') {
        // Bypasses the API's limits, as a record from another producer could: 20,000 levels.
        const depth = 20_000;
        record.value = Buffer.from(record.value.toString().replace('{"marker":1}', `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`));
      }
      await k.producer.send(k.names.clientEvents, record);
      sent.push({ id, time, clientId: event.client_id, kind });
    }
    const create = (name: string, extra: Record<string, unknown> = {}) => decideCreate({ name, ...extra } as never, { clientId: generateClientId(), secretSealed: box.seal('s') });
    for (let i = 0; i < 30; i++) {
      if (i === 7) await send(create('lone \ud800 surrogate'), 'surrogate');
      else if (i === 19) await send(create('deep addons', { addons: { marker: 1 } }), 'deep');
      else await send(create(`app ${i}`), 'ok');
    }
    const consumer = await startAuditConsumer({ kafka: k.kafka, admin: k.admin, ch, names: k.names, producer: k.producer, log: testLog, groupId: k.unique('audit'), fetch: { maxWaitMs: 50 } });
    t.after(() => consumer.stop());

    const rows = await eventually(async () => {
      const r = await rowsFor(sent.map((s) => s.clientId));
      return r.length >= sent.length ? r : undefined;
    }, 90_000, `${sent.length} audit rows`);
    assert.equal(rows.length, sent.length, 'one entry per action, none missing, none twice');
    const byId = new Map(rows.map((r) => [r.log_id, r]));
    for (const s of sent) {
      const logId = makeLogId(Date.parse(s.time), `clients.events:${s.id}`);
      const row = byId.get(logId);
      assert.ok(row, `entry for ${s.kind} create ${s.clientId}`);
      const details = JSON.parse(row.details) as { degraded?: { reason: string; dropped: string[] }; request: { path: string }; response: { statusCode: number } };
      assert.equal(row.type, 'sapi');
      if (s.kind === 'ok') {
        assert.equal(details.degraded, undefined);
        continue;
      }
      assert.ok(details.degraded, `${s.kind}: degraded entry`);
      assert.equal(details.request.path, '/api/v2/clients');
      assert.equal(details.response.statusCode, 201);
      assert.match(details.degraded.reason, s.kind === 'surrogate' ? /surrogate/ : /Maximum call stack/);
    }
    // The same entries reach audit.log, the degraded ones included, each once.
    const published = (await readTopic(k, k.names.auditLog, { settleMs: 300 })).map((m) => parseAuditLogRecord(m));
    assert.deepEqual(published.map((e) => e.log_id).sort(), [...byId.keys()].sort());
    // The originals are in the dead-letter topic, with why.
    const dead = await readTopic(k, k.names.deadLetters, { atLeast: 2, settleMs: 300 });
    const errors = dead.map((d) => d.headers![DLQ_HEADERS.error]!.toString());
    assert.equal(dead.length, 2);
    assert.ok(errors.some((e) => /surrogate/.test(e)) && errors.some((e) => /Maximum call stack/.test(e)), errors.join('\n'));
  });

  it('retried attempts (ClickHouse failing, the transaction failing after the insert) write exactly the entries of one clean pass (generated)', async (t) => {
    const k = await useKafka(t, { partitions: 1 });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom('update-name', 'update-desc', 'stale-update', 'rotate', 'delete'), { minLength: 3, maxLength: 12 }),
        fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
        async (ops, failPattern) => {
          run++;
          // The model: the same pure fold and entry builder, applied once, in order.
          const clientId = generateClientId();
          const events: ClientEvent[] = [];
          let state: ClientState | undefined;
          const expected: string[] = [];
          const push = (event: ClientEvent, at: string) => {
            const { state: next, verdict } = apply(state, event, at);
            const applied = { verdict, before: state, after: verdict === 'applied' ? next : state };
            events.push(event);
            if (verdict === 'applied') state = next;
            return applied;
          };
          const records: Array<{ event: ClientEvent; applied: ReturnType<typeof push>; id: string; time: string }> = [];
          const emit = (event: ClientEvent) => {
            const built = toClientEventRecord(event, meta);
            records.push({ event, applied: push(event, built.time), id: built.id, time: built.time });
            return built;
          };
          const outgoing = [emit(decideCreate({ name: `run ${run}` } as never, { clientId, secretSealed: box.seal('s') }))];
          let previous = state;
          for (const op of ops) {
            if (!state || state.deleted) break;
            const e: ClientEvent =
              op === 'update-name' ? decideUpdate(state, { name: `n${outgoing.length}` })
              : op === 'update-desc' ? decideUpdate(state, { description: `d${outgoing.length}` })
              : op === 'stale-update' ? decideUpdate(previous, { name: `stale${outgoing.length}` })
              : op === 'rotate' ? decideRotate(state, { secretSealed: box.seal(`s${outgoing.length}`) })
              : decideDelete(state);
            previous = state;
            outgoing.push(emit(e));
          }
          for (const r of records) {
            const entry = entryFromClientEvent({ id: r.id, time: r.time, event: r.event, meta } as never, r.applied);
            if (entry) expected.push(entry.log_id);
          }
          for (const o of outgoing) await k.producer.send(k.names.clientEvents, o.record);

          // Failures on purpose: the insert refused (ClickHouse down) or the Kafka transaction
          // never reached (after the insert), in the generated pattern, then always success.
          let calls = 0;
          const fail = () => failPattern[calls++ % failPattern.length] === true && calls <= failPattern.length;
          const flaky = {
            client: new Proxy(ch.client, {
              get(target, prop, receiver) {
                if (prop !== 'insert') return Reflect.get(target, prop, receiver);
                return async (...args: Parameters<typeof target.insert>) => {
                  if (fail()) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' });
                  return target.insert(...args);
                };
              },
            }),
          };
          const consumer = await startAuditConsumer({
            kafka: k.kafka, admin: k.admin, ch: flaky, names: k.names, producer: k.producer, log: testLog, groupId: k.unique(`retry-${run}`), fetch: { maxWaitMs: 20 },
            afterInsert: async () => {
              if (fail()) throw Object.assign(new Error('broker went away before the transaction'), { name: 'KafkaJSConnectionError' });
            },
          });
          try {
            const rows = await eventually(async () => {
              const r = await rowsFor([clientId]);
              return r.length >= expected.length ? r : undefined;
            }, 60_000, `${expected.length} entries of run ${run}`);
            await new Promise((res) => setTimeout(res, 200));
            const final = await rowsFor([clientId]);
            assert.deepEqual(final.map((r) => r.log_id).sort(), [...expected].sort(), 'exactly the entries of one clean pass');
            assert.ok(rows.every((r) => !JSON.parse(r.details).degraded), 'no entry degraded by a transient failure');
          } finally {
            await consumer.stop();
          }
        },
      ),
      { numRuns: 6 },
    );
  });
});
