/**
 * No hole in the audit trail: an action whose full entry cannot be built or stored still gets an
 * entry (degraded, same log_id) and its original goes to the dead-letter topic; retried attempts
 * derive exactly the entries one clean attempt would have.
 */
import { describe, it } from 'node:test';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { useClickHouse } from '../helpers/clickhouse.js';
import { createSecretBox } from '../../shared/crypto/secret-box.js';
import {
  apply, decideCreate, decideDelete, decideRotate, decideUpdate, generateClientId, toClientEventRecord, type ClientEvent, type ClientState, type EventMeta,
} from '../../shared/clients/index.js';
import { AUDIT_ROW_COLUMNS, entryFromClientEvent, makeLogId, parseAuditLogRecord } from '../../shared/audit/index.js';
import { checkpointKeyFromSeed } from '../../shared/audit/checkpoint.js';
import { verifyStoredRange } from '../../shared/audit/verify-store.js';
import { DLQ_HEADERS } from '../../shared/kafka/index.js';
import { startAuditConsumer } from '../../services/audit/consumer.js';
import { eventually, readTopic, testLog, useKafka } from '../helpers/kafka.js';

const meta: EventMeta = { actor: 'auth0|hole', actorclient: 'app', actorname: 'A', requestid: 'r', ip: '127.0.0.1', useragent: 'ua', method: 'POST', path: '/api/v2/clients' };
const box = createSecretBox(Buffer.alloc(32, 3));

interface Row { log_id: string; type: string; target_client_id: string; description: string; details: string }

describe('audit trail without holes', () => {
  const db = useClickHouse('audit-hole');

  async function rowsFor(ids: string[]): Promise<Row[]> {
    const res = await db.ch.client.query({
      query: 'SELECT log_id, type, target_client_id, description, details FROM audit_log FINAL WHERE target_client_id IN {ids:Array(String)} ORDER BY log_id',
      query_params: { ids },
      format: 'JSONEachRow',
    });
    return res.json<Row>();
  }

  it('records an action whose entry ClickHouse refuses as a degraded entry, dead-letters records no reader may take, and goes on with the rest', async (t) => {
    const k = await useKafka(t, { partitions: 1 });
    type Kind = 'ok' | 'refused' | 'surrogate' | 'deep';
    const sent: Array<{ id: string; time: string; clientId: string; kind: Kind; offset: number }> = [];
    async function send(event: ClientEvent, kind: Kind) {
      const { record, id, time } = toClientEventRecord(event, meta);
      if (kind === 'deep') {
        // Bypasses the API's limits, as a record from another producer could: 20,000 levels.
        const depth = 20_000;
        record.value = Buffer.from(record.value.toString().replace('{"marker":1}', `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`));
      }
      await k.producer.send(k.names.clientEvents, record);
      sent.push({ id, time, clientId: event.client_id, kind, offset: sent.length });
    }
    const create = (name: string, extra: Record<string, unknown> = {}) => decideCreate({ name, ...extra } as never, { clientId: generateClientId(), secretSealed: box.seal('s') });
    for (let i = 0; i < 30; i++) {
      if (i === 4) await send(create('refuse-me'), 'refused');
      else if (i === 11) await send(create('lone \ud800 surrogate'), 'surrogate');
      else if (i === 19) await send(create('deep addons', { addons: { marker: 1 } }), 'deep');
      else await send(create(`app ${i}`), 'ok');
    }
    // ClickHouse refuses, for good, any insert holding the full entry of "refuse-me" (as it
    // refused lone surrogates before the limits existed); a degraded entry it takes.
    let refusals = 0;
    const refusing = {
      client: new Proxy(db.ch.client, {
        get(target, prop, receiver) {
          if (prop !== 'insert') return Reflect.get(target, prop, receiver);
          return async (args: Parameters<typeof target.insert>[0]) => {
            // The writer sends its rows as one text body (TabSeparated, one entry a line).
            const rows = (await text(args.values as Readable)).split('\n');
            if (rows.some((row) => row.split('\t')[AUDIT_ROW_COLUMNS.indexOf('target_client_name')] === 'refuse-me' && !row.includes('"degraded":'))) {
              refusals++;
              throw Object.assign(new Error('Cannot parse input: expected \'"\' before: refuse-me'), { type: 'CANNOT_PARSE_INPUT_ASSERTION_FAILED', code: '27' });
            }
            return target.insert({ ...args, values: Readable.from([rows.join('\n')], { objectMode: false }) });
          };
        },
      }),
    };
    const consumer = await startAuditConsumer({ kafka: k.kafka, admin: k.admin, ch: refusing, names: k.names, producer: k.producer, log: testLog, groupId: k.unique('audit'), fetch: { maxWaitMs: 50 } });
    t.after(() => consumer.stop());

    const auditable = sent.filter((s) => s.kind === 'ok' || s.kind === 'refused');
    const rows = await eventually(async () => {
      const r = await rowsFor(sent.map((s) => s.clientId));
      return r.length >= auditable.length ? r : undefined;
    }, 90_000, `${auditable.length} audit rows`);
    await new Promise((res) => setTimeout(res, 300));
    assert.equal((await rowsFor(sent.map((s) => s.clientId))).length, auditable.length, 'one entry per readable action, none twice');
    assert.ok(refusals >= 1, 'ClickHouse refused the full entry');
    const byId = new Map(rows.map((r) => [r.log_id, r]));
    for (const s of auditable) {
      const row = byId.get(makeLogId(Date.parse(s.time), `clients.events:${s.id}`));
      assert.ok(row, `entry for ${s.kind} create ${s.clientId}`);
      const details = JSON.parse(row.details) as { degraded?: { reason: string; dropped: string[] }; request: { path: string }; response: { statusCode: number } };
      assert.equal(row.type, 'sapi');
      if (s.kind === 'ok') {
        assert.equal(details.degraded, undefined);
        continue;
      }
      assert.ok(details.degraded, 'degraded entry, same log_id');
      assert.equal(details.request.path, '/api/v2/clients');
      assert.equal(details.response.statusCode, 201);
      assert.match(details.degraded.reason, /Cannot parse input/);
      assert.ok(details.degraded.dropped.includes('details.response.body'));
    }
    // The same entries reach audit.log, the degraded one included, each once.
    const published = (await readTopic(k, k.names.auditLog, { atLeast: auditable.length, settleMs: 300 })).map((m) => parseAuditLogRecord(m));
    assert.deepEqual(published.map((e) => e.log_id).sort(), [...byId.keys()].sort());
    // The degraded entry is a link of the chain like any other; records that made no entry
    // (dead-lettered unread) left no gap: one chain, from genesis, intact.
    const verified = await verifyStoredRange(db.ch, {}, (await checkpointKeyFromSeed(Buffer.alloc(32, 1))).publicKey);
    const mine = verified.chains.filter((c) => c.chain === `${k.names.clientEvents}/0`);
    assert.deepEqual(mine.map((c) => [c.intact, c.first_seq, c.last_seq, c.checked]), [[true, 0, auditable.length - 1, auditable.length]], JSON.stringify(verified));
    assert.deepEqual(published.map((e) => e.chain_seq).sort((a, b) => a! - b!), auditable.map((_, i) => i));
    // The originals are in the dead-letter topic, with why: the refused one, and the two records
    // outside the limits every reader shares (the API projection and the projector refuse them alike).
    const dead = await readTopic(k, k.names.deadLetters, { atLeast: 3, settleMs: 300 });
    const reasonAt = new Map(dead.map((d) => [Number(d.headers![DLQ_HEADERS.offset]!.toString()), d.headers![DLQ_HEADERS.error]!.toString()]));
    assert.equal(dead.length, 3);
    assert.match(reasonAt.get(sent.find((s) => s.kind === 'refused')!.offset) ?? '', /Cannot parse input/);
    assert.match(reasonAt.get(sent.find((s) => s.kind === 'surrogate')!.offset) ?? '', /outside the limits.*lone surrogate/);
    assert.match(reasonAt.get(sent.find((s) => s.kind === 'deep')!.offset) ?? '', /outside the limits.*nested too deeply/);
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
            client: new Proxy(db.ch.client, {
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
