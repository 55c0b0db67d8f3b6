import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DeliveryStopped, deliverEntries, type DeliverOptions } from '../../services/exporter/deliver.js';
import type { StreamHealthTracker } from '../../services/exporter/health-reporter.js';
import type { AuditEntry, DeliveryOutcome } from '../../shared/sinks/index.js';

const entries = (n: number): AuditEntry[] =>
  Array.from({ length: n }, (_, i) => ({ log_id: String(i).padStart(56, '0'), date: '2026-01-01T00:00:00.000Z', type: 'sapi' }));

/** A sink that answers from a script (then ok), recording every request's log_ids. */
function fakeSink(answer: (ids: string[], call: number) => DeliveryOutcome, perRequest = 4) {
  const calls: string[][] = [];
  return {
    calls,
    client: {
      plan: (xs: readonly AuditEntry[]) => {
        const out: AuditEntry[][] = [];
        for (let i = 0; i < xs.length; i += perRequest) out.push(xs.slice(i, i + perRequest));
        return out;
      },
      deliver: async (xs: readonly AuditEntry[]) => {
        const ids = xs.map((e) => e.log_id);
        calls.push(ids);
        return answer(ids, calls.length);
      },
    },
  };
}

function tracker(failingFor: () => number = () => 0) {
  const log: string[] = [];
  const health: StreamHealthTracker = {
    succeeded: (p) => void log.push(`ok:${p}`),
    failed: (p, e) => void log.push(`fail:${p}:${e.status}`),
    failingForMs: failingFor,
  };
  return { health, log };
}

const options = (client: DeliverOptions['client'], health: StreamHealthTracker, extra: Partial<DeliverOptions> = {}): DeliverOptions => ({
  client,
  policy: { retry: { minMs: 1, maxMs: 2, retryAfterCapMs: 50 }, suspendAfterMs: 60_000 },
  health,
  partition: 2,
  signal: new AbortController().signal,
  heartbeat: async () => undefined,
  ...extra,
});

describe('deliverEntries', () => {
  it('retries transient failures with the same entries until the sink takes them', async () => {
    const sink = fakeSink((_, call) => (call <= 2 ? { kind: 'retry', status: call === 1 ? 503 : 429, retryAfterMs: 5, reason: 'busy' } : { kind: 'ok', status: 200 }));
    const { health, log } = tracker();
    const result = await deliverEntries(entries(6), options(sink.client, health));
    assert.deepEqual(result, { kind: 'delivered', rejected: [] });
    assert.deepEqual(sink.calls.map((c) => c.length), [4, 4, 4, 2]);
    assert.deepEqual(sink.calls[0], sink.calls[2], 'a retry resends exactly the same entries');
    assert.deepEqual(log, ['fail:2:503', 'fail:2:429', 'ok:2', 'ok:2']);
  });

  it('isolates a poison entry by halving the refused batch and delivers its neighbours', async () => {
    const poison = entries(8)[5]!.log_id;
    const sink = fakeSink((ids) => (ids.includes(poison) ? { kind: 'reject', status: 400, scope: 'batch', responseBody: 'bad entry', reason: 'HTTP 400' } : { kind: 'ok', status: 200 }), 8);
    const { health } = tracker();
    const result = await deliverEntries(entries(8), options(sink.client, health));
    assert.equal(result.kind, 'delivered');
    assert.deepEqual(result.kind === 'delivered' && result.rejected.map((r) => [r.entry.log_id, r.outcome.responseBody]), [[poison, 'bad entry']]);
    const delivered = new Set(sink.calls.filter((ids) => !ids.includes(poison)).flat());
    assert.deepEqual([...delivered].sort(), entries(8).map((e) => e.log_id).filter((id) => id !== poison));
  });

  it('asks for suspension on a sink-wide refusal instead of dead-lettering everything', async () => {
    const sink = fakeSink(() => ({ kind: 'reject', status: 403, scope: 'sink', responseBody: '{"code":4}', reason: 'HTTP 403: invalid token' }));
    const { health } = tracker();
    const result = await deliverEntries(entries(9), options(sink.client, health));
    assert.deepEqual(result, { kind: 'suspend', reason: { status: 403, message: 'HTTP 403: invalid token' } });
    assert.equal(sink.calls.length, 1, 'the rest of the batch is not tried');
  });

  it('asks for suspension once the stream has failed for the whole window', async () => {
    let failingFor = 0;
    const sink = fakeSink(() => {
      failingFor += 400;
      return { kind: 'retry', reason: 'network error ECONNREFUSED' };
    });
    const { health } = tracker(() => failingFor);
    const result = await deliverEntries(entries(1), options(sink.client, health, { policy: { retry: { minMs: 1, maxMs: 1, retryAfterCapMs: 1 }, suspendAfterMs: 1000 } }));
    assert.equal(result.kind, 'suspend');
    assert.equal(result.kind === 'suspend' && result.reason.status, null);
    assert.equal(sink.calls.length, 3);
  });

  it('gives up without a result when the stream stops while waiting to retry', async () => {
    const stop = new AbortController();
    const sink = fakeSink(() => {
      stop.abort();
      return { kind: 'retry', status: 503, reason: 'busy' };
    });
    const { health } = tracker();
    await assert.rejects(deliverEntries(entries(2), options(sink.client, health, { signal: stop.signal })), DeliveryStopped);
  });
});
