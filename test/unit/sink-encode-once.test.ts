// Each entry is serialised once per batch (shared/sinks/encode.ts planEncoded, kept by the sink
// client): a retry and the halves of a refused batch send the same bytes without encoding again,
// and what planEncoded measures is exactly what goes out.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { createSinkClient, encodeBatch, httpSink, planBatches, planEncoded, streamContext, type AuditEntry, type HttpSinkConfig, type SinkDefinition } from '../../shared/sinks/index.js';

const ctx = streamContext({ streamId: 'lst_0000000000000007', host: 'apptrail-test', allowInsecureLoopback: true });

const entries = (n: number, size = 10): AuditEntry[] =>
  Array.from({ length: n }, (_, i) => ({ log_id: String(i).padStart(56, '0'), date: '2026-01-01T00:00:00.000Z', type: 'sapi', description: 'x'.repeat(size + (i % 7)) }));

/** The webhook sink, counting how often it encodes an entry. */
function counting(): { sink: SinkDefinition<HttpSinkConfig>; encoded: Map<string, number> } {
  const encoded = new Map<string, number>();
  return {
    encoded,
    sink: {
      ...httpSink,
      element: (entry, config, c) => {
        encoded.set(entry.log_id, (encoded.get(entry.log_id) ?? 0) + 1);
        return httpSink.element(entry, config, c);
      },
    },
  };
}

describe('each entry is encoded once', () => {
  it('planEncoded groups exactly as planBatches, and its elements are the bytes encodeBatch sends', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 400 }), fc.constantFrom('JSONLINES', 'JSONARRAY', 'JSONOBJECT'), async (n, size, format) => {
        const config: HttpSinkConfig = { httpEndpoint: 'https://logs.example.com/x', httpContentFormat: format as HttpSinkConfig['httpContentFormat'] };
        const small = { ...httpSink, limits: (c: HttpSinkConfig) => ({ ...httpSink.limits(c), maxBytes: 2000 }) };
        const all = entries(n, size);
        const planned = planEncoded(small, config, all, ctx);
        assert.deepEqual(planned.map((b) => b.entries), planBatches(small, config, all, ctx));
        for (const b of planned) {
          const withElements = await encodeBatch(small, config, b.entries, ctx, b.elements);
          const fresh = await encodeBatch(small, config, b.entries, ctx);
          assert.deepEqual(withElements.body, fresh.body);
          assert.equal(withElements.idempotencyKey, fresh.idempotencyKey);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('the sink client encodes at planning only: retries and halves of a refused batch reuse it', async (t) => {
    // Answers 503 to the first request, 400 to any request holding the poison entry, 200 otherwise.
    const poison = entries(10)[6]!.log_id;
    let requests = 0;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        requests++;
        const body = Buffer.concat(chunks).toString('utf8');
        const status = requests === 1 ? 503 : body.includes(poison) ? 400 : 200;
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const { sink, encoded } = counting();
    const config: HttpSinkConfig = { httpEndpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}/logs`, httpContentFormat: 'JSONLINES' };
    const client = createSinkClient(sink, config, ctx, { timeoutMs: 5000 });
    t.after(() => client.close());

    const all = entries(10);
    const [group] = client.plan(all);
    assert.equal(group?.length, 10);
    assert.equal((await client.deliver(group!)).kind, 'retry');
    assert.equal((await client.deliver(group!)).kind, 'reject');
    assert.equal((await client.deliver(group!.slice(0, 5))).kind, 'ok');
    assert.equal((await client.deliver(group!.slice(5))).kind, 'reject');
    assert.equal((await client.deliver(group!.slice(5, 6))).kind, 'ok');
    assert.deepEqual([...encoded.values()], Array(10).fill(1), 'every entry encoded once, at planning');

    // An entry that was never planned is still sendable: encoded when it is sent.
    const [stray] = entries(11).slice(10);
    assert.equal((await client.deliver([stray!])).kind, 'ok');
    assert.equal(encoded.get(stray!.log_id), 1);
  });
});
