/**
 * Client history (client_versions), over generated histories: the rows the projector writes,
 * batch by batch with redeliveries, are exactly the applied events in order; the state of version
 * N is the fold of the first N applied events; a one-pass fold (what replay does) writes the very
 * same rows; no row carries a secret in clear.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AsOfSchema, toVersionRow, type ClientVersionRow } from '../../shared/client-history/index.js';
import { ClientStateStore, foldEvents, type ClientState } from '../../shared/clients/index.js';
import { arbLogOp, buildLog, inBatchesWithRedelivery, LOG_CLIENT_IDS } from '../helpers/client-event-log.js';
import { foldBatch } from '../../services/projector/projector.js';
import type { StoredClient } from '../../services/projector/clients-table.js';

const key = (r: ClientVersionRow) => `${r.client_id}\u0000${r.version}`;

describe('client history (generated histories)', () => {
  it('versions = applied events in order; version N = fold of the first N; replay writes the same rows; no secret in clear', () => {
    fc.assert(
      fc.property(
        fc.array(arbLogOp, { minLength: 1, maxLength: 40 }),
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 20 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 20 }),
        (ops, batchSizes, redeliver) => {
          const { log, plainSecrets } = buildLog(ops);
          const positioned = log.map((l) => ({ topic: 'clients.events', partition: 0, offset: l.offset, value: l.record }));

          // The projector: generated batch sizes, some batches redelivered (crash after the insert)
          // together with the batch before them (rebalance). The table is modelled as its key:
          // a row written again must be byte-identical, or FINAL would pick one of two histories.
          const stored = new Map<string, StoredClient>();
          const table = new Map<string, ClientVersionRow>();
          const project = (from: number, to: number) => {
            const batch = foldBatch(stored, positioned.slice(from, to));
            for (const v of batch.versions) {
              const prior = table.get(key(v));
              if (prior) assert.deepEqual(v, prior, `${key(v)} rewritten differently`);
              table.set(key(v), v);
            }
            for (const row of batch.rows) stored.set(row.client_id, { state: JSON.parse(row.state) as ClientState, source: { topic: row.kafka_topic, partition: row.kafka_partition, offset: row.kafka_offset } });
          };
          inBatchesWithRedelivery(positioned.length, batchSizes, redeliver, project);

          // Replay: one pass over the whole log, a row per applied event (replay-projection.ts).
          const store = new ClientStateStore();
          const replayed = new Map<string, ClientVersionRow>();
          for (const p of positioned) {
            const { verdict, before, after } = store.apply(p.value);
            if (verdict === 'applied' && after) replayed.set(key(toVersionRow(p.value, before, after, p)), toVersionRow(p.value, before, after, p));
          }
          assert.deepEqual([...table.entries()].sort(), [...replayed.entries()].sort(), 'projector rows vs replay rows');

          for (const id of LOG_CLIENT_IDS) {
            const events = log.filter((l) => l.event.client_id === id);
            const { verdicts } = foldEvents(events.map((l) => ({ event: l.event, at: l.at })));
            const applied = events.filter((_, i) => verdicts[i] === 'applied');
            const rows = [...table.values()].filter((r) => r.client_id === id).sort((a, b) => a.version - b.version);
            // Listed versions: 1..n, one per applied event, in log order, with that event's id, type and actor.
            assert.deepEqual(
              rows.map((r) => [r.version, r.event_id, r.event_type, r.actor, r.request_id]),
              applied.map((l, i) => [i + 1, l.record.id, l.event.type, l.record.meta.actor, l.record.meta.requestid]),
              `${id}: versions vs applied events`,
            );
            // as_of version N: the fold of the first N applied events.
            rows.forEach((r, i) => {
              const folded = foldEvents(applied.slice(0, i + 1).map((l) => ({ event: l.event, at: l.at }))).state;
              assert.deepEqual(JSON.parse(r.state), JSON.parse(JSON.stringify(folded)), `${id} v${r.version}: state vs fold of the first ${i + 1}`);
              assert.equal(r.deleted, folded?.deleted);
            });
          }

          // Secrets: sealed in state, REDACTED in changes, never in clear anywhere in a row.
          for (const row of table.values()) {
            const text = JSON.stringify(row);
            for (const plain of plainSecrets) assert.ok(!text.includes(plain), `${key(row)} carries a secret in clear`);
            for (const c of JSON.parse(row.changes) as Array<{ field: string; before?: unknown; after?: unknown }>) {
              if (c.field === 'client_secret' || c.field === 'encryption_key') {
                for (const side of [c.before, c.after]) assert.ok(side === undefined || side === 'REDACTED', `${key(row)}: ${c.field} not redacted`);
              }
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('as_of is a version number or an ISO time with its offset, nothing else', () => {
    assert.deepEqual(AsOfSchema.parse('3'), { version: 3 });
    assert.deepEqual(AsOfSchema.parse('2026-01-01T10:00:00.123Z'), { time: '2026-01-01T10:00:00.123Z' });
    assert.deepEqual(AsOfSchema.parse('2026-01-01T10:00:00+02:00'), { time: '2026-01-01T10:00:00+02:00' });
    for (const bad of ['0', '-1', '1.5', '4294967296', 'yesterday', '2026-01-01', '2026-13-01T00:00:00Z', '', ' 1', '1e3']) {
      assert.equal(AsOfSchema.safeParse(bad).success, false, bad);
    }
    fc.assert(fc.property(fc.integer({ min: 1, max: 4_294_967_295 }), (n) => assert.deepEqual(AsOfSchema.parse(String(n)), { version: n })));
  });
});
