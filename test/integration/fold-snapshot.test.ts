/**
 * Invariant 10: folds start from a snapshot and read only the tail, and that path equals a replay
 * from offset 0. Over generated histories on a real broker and chDB: the audit service writes
 * snapshots as it goes; then more history arrives; a restarted audit service (snapshot + tail)
 * writes exactly the entries an uninterrupted pass would, its committed offsets never move
 * backwards, and an API projection started from the snapshot holds exactly the fold from 0.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { useClickHouse } from '../helpers/clickhouse.js';
import {
  apply, ClientStateStore, decideCreate, decideDelete, decideRotate, decideUpdate, foldEvents, parseClientEventRecord, toClientEventRecord,
  type ClientEvent, type ClientState, type EventMeta,
} from '../../shared/clients/index.js';
import { checkEntry, entryFromClientEvent, linkEntries, type EncodedEntry } from '../../shared/audit/index.js';
import { readSnapshot } from '../../shared/fold/snapshot.js';
import { createSecretBox } from '../../shared/crypto/secret-box.js';
import { startProjectionRunner } from '../../shared/kafka/index.js';
import { startAuditConsumer } from '../../services/audit/consumer.js';
import { ClientProjection } from '../../services/api/clients/projection.js';
import { eventually, testLog, useKafka, type TestKafka } from '../helpers/kafka.js';

const box = createSecretBox(Buffer.alloc(32, 5));
const meta: EventMeta = { actor: 'auth0|snap', actorclient: 'app', actorname: 'S', requestid: 'r', ip: '127.0.0.1', useragent: 'ua', method: 'PATCH', path: '/api/v2/clients/x' };
const op = fc.record({ client: fc.nat({ max: 5 }), stale: fc.nat({ max: 2 }), kind: fc.constantFrom('create', 'name', 'description', 'rotate', 'delete', 'empty') });
type Op = { client: number; stale: number; kind: string };

interface Sent { event: ClientEvent; id: string; time: string }

/** Appends generated commands (decided on possibly stale states, as racing instances would). */
async function append(k: TestKafka, ops: Op[], ids: string[], history: Map<string, Array<ClientState | undefined>>, model: ClientStateStore, sent: Sent[]) {
  for (const o of ops) {
    const id = ids[o.client % ids.length]!;
    const seen = history.get(id)!;
    const on = seen[Math.max(0, seen.length - 1 - o.stale)];
    let event: ClientEvent;
    try {
      event =
        o.kind === 'create' ? decideCreate({ name: `c${sent.length}` } as never, { clientId: id, secretSealed: box.seal(`s${sent.length}`) })
        : o.kind === 'name' ? decideUpdate(on, { name: `n${sent.length}` })
        : o.kind === 'description' ? decideUpdate(on, { description: `d${sent.length}` })
        : o.kind === 'rotate' ? decideRotate(on, { secretSealed: box.seal(`s${sent.length}`) })
        : o.kind === 'empty' ? decideUpdate(on, {})
        : decideDelete(on);
    } catch {
      continue;
    }
    const built = toClientEventRecord(event, meta);
    await k.producer.send(k.names.clientEvents, built.record);
    sent.push({ event, id: built.id, time: built.time });
    const applied = model.apply({ event, time: built.time } as never);
    if (applied.verdict === 'applied') seen.push(applied.after);
  }
}

async function committedOffsets(k: TestKafka, group: string): Promise<Map<number, bigint>> {
  const [t] = await k.admin.fetchOffsets({ groupId: group, topics: [k.names.clientEvents] });
  return new Map((t?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
}

describe('fold snapshots (generated histories)', () => {
  const db = useClickHouse('snapshot');

  it('snapshot + tail equals the fold from offset 0, for the audit trail and the API projection', async (t) => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { minLength: 5, maxLength: 40 }).map((ops) => [...[0, 1, 2, 3, 4, 5].map((client) => ({ client, stale: 0, kind: 'create' })), ...ops]),
        fc.array(op, { minLength: 5, maxLength: 25 }),
        fc.array(op, { minLength: 5, maxLength: 25 }),
        // Snapshots after every batch and on stop, or only after a partition's first batch (an
        // hour's interval) and never on stop, as after a crash: the tail is then long.
        fc.boolean(),
        async (first, middle, second, lagging) => {
        run++;
        const k = await useKafka(t);
        const ids = Array.from({ length: 6 }, (_, i) => `snap-${run}-${i}-${k.prefix}`);
        const history = new Map<string, Array<ClientState | undefined>>(ids.map((id) => [id, [undefined]]));
        const model = new ClientStateStore();
        const sent: Sent[] = [];
        const group = k.unique('audit');
        // Small fetches: the tail after a lagging snapshot comes in several batches, each of which
        // could commit an old offset; the committed offsets are read before every write.
        const seenOffsets: Array<Map<number, bigint>> = [];
        const audit = () => startAuditConsumer({
          kafka: k.kafka, admin: k.admin, ch: db.ch, names: k.names, producer: k.producer, log: testLog, groupId: group,
          fetch: { maxWaitMs: 20, maxBytesPerPartition: 2048 }, snapshotIntervalMs: lagging ? 3_600_000 : 0, snapshotOnStop: !lagging, sessionTimeoutMs: 6000,
          afterInsert: async () => void seenOffsets.push(await committedOffsets(k, group)),
        });
        const caughtUp = async () => {
          const ends = await k.admin.fetchTopicOffsets(k.names.clientEvents);
          const done = await committedOffsets(k, group);
          return ends.every((e) => Number(e.high) === 0 || (done.get(e.partition) ?? -1n) >= BigInt(e.high)) ? true : undefined;
        };

        await append(k, first, ids, history, model, sent);
        const a1 = await audit();
        await eventually(caughtUp, 60_000, 'first pass');
        // More while it runs: later batches, which a lagging snapshot leaves to the tail.
        await append(k, middle, ids, history, model, sent);
        await eventually(caughtUp, 60_000, 'first pass, later batches');
        await a1.stop();
        const before = await committedOffsets(k, group);
        const snap = await readSnapshot(db.ch, k.names.clientEvents);
        assert.ok(snap.through.size > 0, 'a snapshot was written');

        // More history while no audit service runs; then one starts from the snapshot.
        await append(k, second, ids, history, model, sent);
        seenOffsets.length = 0;
        const a2 = await audit();
        await eventually(async () => {
          seenOffsets.push(await committedOffsets(k, group));
          return caughtUp();
        }, 60_000, 'second pass');
        await a2.stop();
        for (const offsets of [...seenOffsets, await committedOffsets(k, group)]) {
          for (const [p, o] of before) assert.ok((offsets.get(p) ?? 0n) >= o, `partition ${p}: committed offset moved backwards (${offsets.get(p)} < ${o})`);
        }

        // The entries equal one uninterrupted pass of the model, field for field.
        const expected = new Map<string, unknown>();
        const inOrder: EncodedEntry[] = [];
        const replay = new Map<string, ClientState | undefined>();
        for (const s of sent) {
          const before = replay.get(s.event.client_id);
          const { state, verdict } = apply(before, s.event, s.time);
          const entry = entryFromClientEvent({ id: s.id, time: s.time, event: s.event, meta } as never, { verdict, before, after: verdict === 'applied' ? state : before });
          if (verdict === 'applied') replay.set(s.event.client_id, state);
          if (entry) expected.set(entry.log_id, JSON.parse(JSON.stringify(entry.details)));
          if (entry) {
            const checked = checkEntry(entry);
            assert.ok(checked.ok);
            inOrder.push(checked.encoded);
          }
        }
        const rows = await (await db.ch.client.query({
          query: 'SELECT log_id, details FROM audit_log FINAL WHERE target_client_id IN {ids:Array(String)}',
          query_params: { ids },
          format: 'JSONEachRow',
        })).json<{ log_id: string; details: string }>();
        assert.deepEqual(rows.map((r) => r.log_id).sort(), [...expected.keys()].sort(), 'exactly the entries of one pass');
        for (const r of rows) assert.deepEqual(JSON.parse(r.details), expected.get(r.log_id), `entry ${r.log_id}`);

        // The hash chains too: per input partition, its entries in send (= offset) order linked
        // from genesis in one pass, whatever the restarts, snapshot and tail did.
        const links = await (await db.ch.client.query({
          query: 'SELECT log_id, chain, chain_seq, prev_hash, hash FROM audit_log FINAL WHERE target_client_id IN {ids:Array(String)} ORDER BY chain, chain_seq',
          query_params: { ids },
          format: 'JSONEachRow',
        })).json<{ log_id: string; chain: string; chain_seq: string; prev_hash: string; hash: string }>();
        const chainNames = [...new Set(links.map((l) => l.chain))];
        assert.ok(chainNames.every((c) => c.startsWith(`${k.names.clientEvents}/`)), `chains named by input partition: ${chainNames.join(', ')}`);
        for (const chain of chainNames) {
          const got = links.filter((l) => l.chain === chain);
          const members = new Set(got.map((l) => l.log_id));
          const clean = linkEntries(inOrder.filter((e) => members.has(e.entry.log_id)), chain, undefined).entries;
          assert.deepEqual(
            got.map((l) => [l.log_id, Number(l.chain_seq), l.prev_hash, l.hash]),
            clean.map((e) => [e.entry.log_id, e.link!.chain_seq, e.link!.prev_hash, e.link!.hash]),
            `chain ${chain} equals one clean pass`,
          );
        }

        // An API projection from the snapshot holds the fold from offset 0.
        const projection = new ClientProjection(k.admin, k.names.clientEvents);
        const loaded = await projection.loadSnapshot(db.ch, k.names.clientEvents);
        assert.ok(loaded > 0, 'states came from the snapshot');
        const runner = await startProjectionRunner({
          kafka: k.kafka, projection, topic: k.names.clientEvents, topicPrefix: k.prefix, name: 'snap-api', parse: parseClientEventRecord,
          deadLetter: { topic: k.names.deadLetters, producer: k.producer }, log: testLog, partitions: 3,
        });
        try {
          await projection.catchUp(30_000);
          for (const id of ids) {
            const fromZero = foldEvents(sent.filter((s) => s.event.client_id === id).map((s) => ({ event: s.event, at: s.time }))).state;
            assert.deepEqual(projection.store.get(id), fromZero, `client ${id}`);
          }
        } finally {
          await runner.stop();
        }
        },
      ),
      { numRuns: 8, includeErrorInReport: true },
    );
  });
});
