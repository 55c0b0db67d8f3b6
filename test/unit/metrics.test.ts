// GET /metrics: the request histogram by routed pattern, runtime metrics, the sink counters, and
// probes kept out of the info-level access log.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildApp } from '../../services/api/app.js';
import { deliverEntries } from '../../services/exporter/deliver.js';
import { createLogger } from '../../shared/log/index.js';
import { collectRuntimeMetrics, metricsRegistry } from '../../shared/metrics/index.js';
import type { AuditEntry, DeliveryOutcome } from '../../shared/sinks/index.js';

async function appWithMetrics(level = 'info') {
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger({ level, destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) } });
  collectRuntimeMetrics();
  const app = await buildApp({
    log,
    readiness: {},
    metrics: metricsRegistry,
    features: [async (a) => void a.get('/things/:id', async (req) => ({ id: (req.params as { id: string }).id }))],
  });
  return { app, lines };
}

/** The value of one sample line (`name{labels} value`) of a scrape, 0 when absent. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

async function scrape(app: Awaited<ReturnType<typeof appWithMetrics>>['app']): Promise<string> {
  const res = await app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  return res.body;
}

describe('GET /metrics', () => {
  it('times requests by method, routed pattern and status, never by raw path', async () => {
    const { app } = await appWithMetrics();
    const ok = 'apptrail_http_request_duration_seconds_count{method="GET",route="/things/:id",status="200"}';
    const missing = 'apptrail_http_request_duration_seconds_count{method="GET",route="unmatched",status="404"}';
    const before = await scrape(app);
    for (const id of ['cl_1a2b3c', 'cl_4d5e6f', 'cl_7a8b9c']) assert.equal((await app.inject({ method: 'GET', url: `/things/${id}` })).statusCode, 200);
    assert.equal((await app.inject({ method: 'GET', url: '/nowhere/cl_0f0f0f' })).statusCode, 404);
    const after = await scrape(app);
    assert.equal(sample(after, ok) - sample(before, ok), 3);
    assert.equal(sample(after, missing) - sample(before, missing), 1);
    assert.ok(sample(after, 'apptrail_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/things/:id",status="200"}') >= 3);
    for (const raw of ['cl_1a2b3c', 'cl_0f0f0f', '/nowhere']) assert.ok(!after.includes(raw), `${raw} appears in the scrape`);
    // Node runtime metrics under their usual names.
    assert.match(after, /^nodejs_heap_size_used_bytes \d/m);
    assert.match(after, /^process_cpu_user_seconds_total \d/m);
    await app.close();
  });

  it('counts sink deliveries, retries and failures by stream', async () => {
    const { app } = await appWithMetrics();
    const stream = 'lst_0000000000000042';
    const series = (name: string, extra = '') => `${name}{stream="${stream}"${extra}}`;
    const before = await scrape(app);
    let calls = 0;
    const entries: AuditEntry[] = [1, 2, 3].map((i) => ({ log_id: String(i).padStart(56, '0'), date: '2026-01-01T00:00:00.000Z', type: 'sapi' }));
    const result = await deliverEntries(entries, {
      client: { plan: (xs) => [[...xs]], deliver: async (): Promise<DeliveryOutcome> => (++calls === 1 ? { kind: 'retry', status: 503, reason: 'busy' } : { kind: 'ok', status: 200 }) },
      policy: { retry: { minMs: 1, maxMs: 2, retryAfterCapMs: 5 }, suspendAfterMs: 60_000 },
      health: { succeeded: () => undefined, failed: () => undefined, failingForMs: () => 0 },
      partition: 0,
      signal: new AbortController().signal,
      heartbeat: async () => undefined,
      stream,
    });
    assert.equal(result.kind, 'delivered');
    const after = await scrape(app);
    const moved = (s: string) => sample(after, s) - sample(before, s);
    assert.equal(moved(series('apptrail_sink_deliveries_total')), 1);
    assert.equal(moved(series('apptrail_sink_delivered_entries_total')), 3);
    assert.equal(moved(series('apptrail_sink_retries_total')), 1);
    assert.equal(moved(series('apptrail_sink_failures_total', ',outcome="retry"')), 1);
    await app.close();
  });

  it('logs probes at debug and other requests at info, with the routed pattern', async () => {
    const { app, lines } = await appWithMetrics('info');
    for (const url of ['/healthz', '/readyz', '/metrics']) assert.equal((await app.inject({ method: 'GET', url })).statusCode, 200);
    assert.equal(lines.length, 0, JSON.stringify(lines));
    await app.inject({ method: 'GET', url: '/things/cl_1' });
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!.route, '/things/:id');
    await app.close();

    const debug = await appWithMetrics('debug');
    await debug.app.inject({ method: 'GET', url: '/healthz' });
    const probe = debug.lines.filter((l) => l.msg === 'request completed');
    assert.equal(probe.length, 1);
    assert.equal(probe[0]!.level, 20);
    assert.equal(probe[0]!.route, '/healthz');
    await debug.app.close();
  });
});
