// Several requests of one batch in flight (services/exporter/deliver.ts `inFlight`) and the sink
// client's gate (shared/sinks/gate.ts). Whatever order the sink answers in, a batch resolves only
// once every one of its requests was answered, so the runner commits nothing early; dead letters
// come out in offset order; no more requests run at once than allowed.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { deliverEntries, DeliveryStopped, type DeliverOptions } from '../../services/exporter/deliver.js';
import type { StreamHealthTracker } from '../../services/exporter/health-reporter.js';
import { createGate } from '../../shared/sinks/gate.js';
import type { AuditEntry, DeliveryOutcome } from '../../shared/sinks/index.js';

const entries = (n: number): AuditEntry[] =>
  Array.from({ length: n }, (_, i) => ({ log_id: String(i).padStart(56, '0'), date: '2026-01-01T00:00:00.000Z', type: 'sapi' }));

const health: StreamHealthTracker = { succeeded: () => undefined, failed: () => undefined, failingForMs: () => 0 };

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A sink whose answers take the given delays (so they come back out of order), refusing the
 * entries in `poison` one by one and answering `retry` to the attempts listed in `retries`.
 */
function scriptedSink(opts: { delays: number[]; poison: Set<string>; retries: Set<number>; perRequest: number }) {
  let inFlight = 0;
  let maxInFlight = 0;
  let call = 0;
  const pending = new Set<number>();
  const calls: string[][] = [];
  return {
    calls,
    pending,
    maxInFlight: () => maxInFlight,
    client: {
      plan: (xs: readonly AuditEntry[]) => {
        const out: AuditEntry[][] = [];
        for (let i = 0; i < xs.length; i += opts.perRequest) out.push(xs.slice(i, i + opts.perRequest));
        return out;
      },
      deliver: async (xs: readonly AuditEntry[]): Promise<DeliveryOutcome> => {
        const n = call++;
        calls.push(xs.map((e) => e.log_id));
        inFlight++;
        pending.add(n);
        maxInFlight = Math.max(maxInFlight, inFlight);
        await tick(opts.delays[n % opts.delays.length]!);
        inFlight--;
        pending.delete(n);
        if (opts.retries.has(n)) return { kind: 'retry', status: 503, reason: 'busy' };
        if (xs.some((e) => opts.poison.has(e.log_id))) return { kind: 'reject', status: 400, scope: 'batch', responseBody: '', reason: 'HTTP 400' };
        return { kind: 'ok', status: 200 };
      },
    },
  };
}

const options = (client: DeliverOptions['client'], inFlight: number, extra: Partial<DeliverOptions> = {}): DeliverOptions => ({
  client,
  policy: { retry: { minMs: 1, maxMs: 2, retryAfterCapMs: 5 }, suspendAfterMs: 60_000 },
  health,
  partition: 0,
  signal: new AbortController().signal,
  heartbeat: async () => undefined,
  inFlight,
  ...extra,
});

describe('several requests of a batch in flight', () => {
  it('every entry is delivered or dead-lettered before the batch resolves; dead letters in offset order; never more than inFlight at once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.integer({ min: 0, max: 8 }), { minLength: 1, maxLength: 7 }),
        fc.uniqueArray(fc.nat(39)),
        fc.uniqueArray(fc.nat(30), { maxLength: 4 }),
        async (n, inFlight, perRequest, delays, poisonAt, retries) => {
          const all = entries(n);
          const poison = new Set(poisonAt.filter((i) => i < n).map((i) => all[i]!.log_id));
          const sink = scriptedSink({ delays, poison, retries: new Set(retries), perRequest });
          const result = await deliverEntries(all, options(sink.client, inFlight));
          assert.equal(sink.pending.size, 0, 'no request of the batch is still running');
          assert.ok(sink.maxInFlight() <= inFlight, `${sink.maxInFlight()} in flight, allowed ${inFlight}`);
          assert.equal(result.kind, 'delivered');
          if (result.kind !== 'delivered') return;
          const dead = result.rejected.map((r) => r.entry.log_id);
          assert.deepEqual(dead, [...poison].sort(), 'exactly the poison entries, in offset order');
          // Everything else reached the sink in a request without poison (an accepted one).
          const accepted = new Set(sink.calls.filter((ids, i) => !retries.includes(i) && !ids.some((id) => poison.has(id))).flat());
          for (const e of all) if (!poison.has(e.log_id)) assert.ok(accepted.has(e.log_id), `${e.log_id} delivered`);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a sink-wide refusal stops new requests and waits for those under way before asking for suspension', async () => {
    const sink = scriptedSink({ delays: [1, 30, 30, 30], poison: new Set(), retries: new Set(), perRequest: 2 });
    const refuse = sink.client.deliver;
    let first = true;
    sink.client.deliver = async (xs) => {
      const outcome = await refuse(xs);
      if (!first) return outcome;
      first = false;
      return { kind: 'reject', status: 403, scope: 'sink', responseBody: '', reason: 'HTTP 403' };
    };
    const result = await deliverEntries(entries(20), options(sink.client, 3));
    assert.deepEqual(result, { kind: 'suspend', reason: { status: 403, message: 'HTTP 403' } });
    assert.equal(sink.pending.size, 0);
    assert.ok(sink.calls.length < 10, `stopped sending after the refusal (${sink.calls.length} requests)`);
  });

  it('a stop while one request waits to retry ends the batch without a result, after the others finished', async () => {
    const stop = new AbortController();
    const sink = scriptedSink({ delays: [1, 20, 20], poison: new Set(), retries: new Set([0]), perRequest: 1 });
    const deliver = sink.client.deliver;
    sink.client.deliver = async (xs) => {
      const outcome = await deliver(xs);
      if (outcome.kind === 'retry') stop.abort();
      return outcome;
    };
    await assert.rejects(deliverEntries(entries(6), options(sink.client, 3, { signal: stop.signal })), DeliveryStopped);
    assert.equal(sink.pending.size, 0, 'no request left running behind the failed batch');
  });
});

describe('the sink client gate', () => {
  it('lets at most `limit` through at once, in arrival order', async () => {
    const gate = createGate(2);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    await Promise.all(Array.from({ length: 8 }, (_, i) => gate(async () => {
      started.push(i);
      running++;
      most = Math.max(most, running);
      await tick(i % 3);
      running--;
    })));
    assert.equal(most, 2);
    assert.deepEqual(started, [0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('passes a failure through and frees the place', async () => {
    const gate = createGate(1);
    await assert.rejects(gate(async () => { throw new Error('boom'); }), /boom/);
    assert.equal(await gate(async () => 'next'), 'next');
  });
});
