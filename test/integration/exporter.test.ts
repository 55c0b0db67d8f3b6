// services/exporter on the real broker, delivering to the local protocol-checking receivers.
// Audit entries are written to audit.log directly; stream definitions go through the shared
// decide/append path the API uses.
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { parseAuditLogRecord } from '../../shared/audit/index.js';
import { DLQ_HEADERS } from '../../shared/kafka/index.js';
import { exporterGroupId, xxhash64Hex } from '../../shared/log-streams/index.js';
import { eventually, readTopic, useKafka } from '../helpers/kafka.js';
import { auditEntries, publish, startTestExporter } from '../helpers/exporter.js';
import {
  startDatadogReceiver, startHttpReceiver, startSplunkReceiver, startSumoReceiver, type FailureStep, type Receiver,
} from '../helpers/receivers/index.js';

async function receiver(t: TestContext, start: Promise<Receiver>): Promise<Receiver> {
  const r = await start;
  t.after(() => r.close());
  return r;
}

const httpStream = (r: Receiver, extra: Record<string, unknown> = {}) => ({
  name: 'webhook',
  type: 'http',
  sink: { httpEndpoint: `${r.origin}/api/logs`, httpContentFormat: 'JSONLINES', httpAuthorization: 'Bearer webhook-token' },
  startFrom: 'beginning',
  ...extra,
});

async function received(r: Receiver, ids: readonly string[], what: string): Promise<void> {
  const want = new Set(ids);
  await eventually(() => ([...want].every((id) => r.acceptedIds().has(id)) ? true : undefined), 30_000, `${ids.length} entries at ${what} (have ${r.counts().unique})`);
}

/** A port nothing listens on: connections are refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('exporter', () => {
  it('delivers every entry to Splunk, Sumo, Datadog and HTTP through scripted failures; duplicates only from retries, with the same ids', async (t) => {
    const k = await useKafka(t);
    const splunk = await receiver(t, startSplunkReceiver({ token: 'hec-token' }));
    const sumo = await receiver(t, startSumoReceiver({ code: 'ZaVnC4dhaV' }));
    const datadog = await receiver(t, startDatadogReceiver({ apiKey: 'dd-key' }));
    const http = await receiver(t, startHttpReceiver({ authorization: 'Bearer webhook-token', format: 'JSONARRAY' }));
    const ex = await startTestExporter(t, k, { options: { context: { datadogIntakeUrl: datadog.origin } } });

    const streams = await Promise.all([
      ex.create({ type: 'splunk', sink: { splunkDomain: '127.0.0.1', splunkPort: String(splunk.port), splunkToken: 'hec-token', splunkSecure: true }, startFrom: 'beginning' }),
      ex.create({ type: 'sumo', sink: { sumoSourceAddress: `${sumo.origin}/receiver/v1/http/ZaVnC4dhaV` }, startFrom: 'beginning' }),
      ex.create({ type: 'datadog', sink: { datadogApiKey: 'dd-key', datadogRegion: 'us5' }, startFrom: 'beginning' }),
      ex.create(httpStream(http, { sink: { httpEndpoint: `${http.origin}/api/logs`, httpContentFormat: 'JSONARRAY', httpAuthorization: 'Bearer webhook-token' } })),
    ]);
    for (const s of streams) await ex.running(s.id);
    const script: FailureStep[] = [
      { status: 503 },
      { status: 429, retryAfter: 1 },
      { timeoutMs: 1500, accept: true }, // stored, but the answer never came
      { status: 500, accept: true },
    ];
    const receivers = [splunk, sumo, datadog, http];
    for (const r of receivers) r.failNext(script);

    const ids = await publish(k, auditEntries(400));
    for (const [i, r] of receivers.entries()) {
      await received(r, ids, streams[i]!.type);
      const kept = r.acceptedIds();
      assert.equal(kept.size, ids.length, `${streams[i]!.type}: nothing but the published entries`);
      const failed = r.requests.filter((q) => q.status === 'no answer' || (typeof q.status === 'number' && q.status >= 300));
      for (const status of [503, 429, 500, 'no answer']) assert.ok(failed.some((q) => q.status === status), `${streams[i]!.type}: the scripted ${status} was met`);
      // A duplicate exists only because a request the sink kept went unanswered or failed, and it
      // was resent whole: same log_ids under the same idempotency key.
      const keptByFailed = new Set(failed.flatMap((q) => q.logIds));
      for (const id of r.counts().duplicates) assert.ok(keptByFailed.has(id), `${streams[i]!.type}: duplicate ${id} without a failed request`);
      // Every entry of a failed request reaches the sink later under the same log_id. (Usually the
      // whole batch is resent under the same idempotency key; but a batch the consumer had to give
      // up, e.g. on a rebalance during a back-off, comes back cut into different requests, so the
      // guarantee is per entry, as the issue states it.)
      // A failed request whose entries the sink kept (accept: true) already counts them as received,
      // so their resend may still be in its back-off when every id is in: wait for it, bounded.
      const notResent = () => failed.flatMap((q) => {
        const after = r.requests.slice(r.requests.indexOf(q) + 1);
        const deliveredLater = new Set(after.filter((l) => typeof l.status === 'number' && l.status < 300).flatMap((l) => l.logIds));
        return q.logIds.filter((id) => !deliveredLater.has(id));
      });
      await eventually(() => (notResent().length === 0 ? true : undefined), 30_000, `${streams[i]!.type}: entries of failed requests delivered later`).catch(() => undefined);
      for (const id of notResent()) assert.fail(`${streams[i]!.type}: entry ${id} of a failed request was delivered later`);
    }
    await ex.stop();
  });

  it('dead-letters an entry the sink refuses, with the response, and carries on', async (t) => {
    const k = await useKafka(t);
    const http = await receiver(t, startHttpReceiver({ authorization: 'Bearer webhook-token', format: 'JSONLINES' }));
    const ex = await startTestExporter(t, k);
    const stream = await ex.create(httpStream(http));
    await ex.running(stream.id);
    http.failNext([{ status: 400, body: '{"error":"field x is not allowed"}' }]);
    const [poison] = await publish(k, auditEntries(1));

    const [dead] = await readTopic(k, k.names.logStreamDeadLetters, { atLeast: 1 });
    assert.ok(dead);
    assert.equal(parseAuditLogRecord(dead).log_id, poison, 'the original record, untouched');
    const header = (name: string) => dead.headers?.[name]?.toString();
    assert.match(header(DLQ_HEADERS.error) ?? '', /HTTP 400.*field x is not allowed/);
    assert.equal(header(DLQ_HEADERS.group), exporterGroupId(k.prefix, stream.id));

    const rest = await publish(k, auditEntries(5));
    await received(http, rest, 'http');
    assert.equal(http.acceptedIds().has(poison!), false);
    assert.equal(ex.state(stream.id)?.status, 'active');
    await ex.stop();
  });

  it('suspends on refused credentials and, re-activated with the right token, resumes from its own position', async (t) => {
    const k = await useKafka(t);
    const splunk = await receiver(t, startSplunkReceiver({ token: 'good-token' }));
    const ex = await startTestExporter(t, k);
    const stream = await ex.create({ type: 'splunk', sink: { splunkDomain: '127.0.0.1', splunkPort: String(splunk.port), splunkToken: 'old-token', splunkSecure: true }, startFrom: 'beginning' });
    const before = await publish(k, auditEntries(30));

    const suspended = await eventually(() => (ex.state(stream.id)?.status === 'suspended' ? ex.state(stream.id) : undefined), 20_000, 'suspension');
    assert.equal(suspended.suspension?.status, 403);
    assert.match(suspended.suspension?.message ?? '', /403/);
    await ex.running(stream.id, false);
    assert.equal(splunk.counts().accepted, 0);
    assert.ok(splunk.requests.every((q) => q.status === 403));

    const during = await publish(k, auditEntries(20));
    await ex.update(stream.id, { sink: { splunkToken: 'good-token' }, status: 'active' });
    await received(splunk, [...before, ...during], 'splunk');
    assert.deepEqual(splunk.counts().duplicates, []);
    await ex.stop();
  });

  it('suspends a stream whose sink stays unreachable past EXPORTER_SUSPEND_AFTER_MS, then delivers everything once pointed at a live sink', async (t) => {
    const k = await useKafka(t);
    const ex = await startTestExporter(t, k, { env: { EXPORTER_SUSPEND_AFTER_MS: '1500' } });
    const stream = await ex.create({ type: 'http', sink: { httpEndpoint: `http://127.0.0.1:${await closedPort()}/api/logs` }, startFrom: 'beginning' });
    const ids = await publish(k, auditEntries(10));

    const suspended = await eventually(() => (ex.state(stream.id)?.status === 'suspended' ? ex.state(stream.id) : undefined), 20_000, 'suspension');
    assert.equal(suspended.suspension?.status, null, 'the sink never answered');
    assert.match(suspended.suspension?.message ?? '', /no delivery for \d+ s; last: network error/);

    const http = await receiver(t, startHttpReceiver({ format: 'JSONLINES' }));
    await ex.update(stream.id, { sink: { httpEndpoint: `${http.origin}/api/logs` }, status: 'active' });
    await received(http, ids, 'http');
    await ex.stop();
  });

  it('pausing stops delivery and resuming delivers what queued meanwhile, none lost or repeated', async (t) => {
    const k = await useKafka(t);
    const http = await receiver(t, startHttpReceiver({ authorization: 'Bearer webhook-token', format: 'JSONLINES' }));
    const ex = await startTestExporter(t, k);
    const stream = await ex.create(httpStream(http));
    const first = await publish(k, auditEntries(100));
    await received(http, first, 'http');

    await ex.update(stream.id, { status: 'paused' });
    await ex.running(stream.id, false);
    const whilePaused = await publish(k, auditEntries(100));
    // Paused means nobody consumes for the stream: its group has no members, its position stays.
    const group = await k.admin.describeGroups([exporterGroupId(k.prefix, stream.id)]);
    assert.deepEqual(group.groups[0]?.members, []);
    assert.equal(http.counts().unique, 100);

    await ex.update(stream.id, { status: 'active' });
    await received(http, [...first, ...whilePaused], 'http');
    assert.deepEqual(http.counts().duplicates, []);
    assert.equal(http.counts().unique, 200);
    await ex.stop();
  });

  it("applies the stream's pii_config to what it delivers, and a changed pii_config from the next start on", async (t) => {
    const k = await useKafka(t);
    const http = await receiver(t, startHttpReceiver({ authorization: 'Bearer webhook-token', format: 'JSONLINES' }));
    const ex = await startTestExporter(t, k);
    const stream = await ex.create(httpStream(http, { pii_config: { log_fields: ['username', 'first_name'], method: 'mask' } }));
    const first = await publish(k, auditEntries(20));
    await received(http, first, 'http');
    const byId = () => new Map(http.entries.map((e) => [e.log_id as string, e as { user_name: string; details: { request: { body: { name: string } } } }]));
    for (const id of first) {
      const e = byId().get(id)!;
      assert.equal(e.user_name, '*****', 'user_name (username) masked');
      assert.equal(e.details.request.body.name, '***', 'name (first_name) masked');
    }
    assert.ok(!JSON.stringify(http.entries).includes('Admin'), 'the caller name never reached the sink');

    // Paused, so the next pipeline is the first to see the new config.
    await ex.update(stream.id, { status: 'paused' });
    await ex.running(stream.id, false);
    await ex.update(stream.id, { status: 'active', pii_config: { log_fields: ['username'], method: 'hash', algorithm: 'xxhash' } });
    const second = await publish(k, auditEntries(20));
    await received(http, second, 'http');
    for (const id of second) {
      const e = byId().get(id)!;
      assert.equal(e.user_name, xxhash64Hex('Admin'));
      assert.equal(e.details.request.body.name, 'App', 'first_name no longer configured');
    }
    await ex.stop();
  });

  it('a new stream replays from the beginning, a "now" stream takes only what follows, filters pick categories', async (t) => {
    const k = await useKafka(t);
    const all = await receiver(t, startHttpReceiver({ format: 'JSONLINES' }));
    const fresh = await receiver(t, startHttpReceiver({ format: 'JSONLINES' }));
    const failures = await receiver(t, startHttpReceiver({ format: 'JSONLINES' }));
    const ex = await startTestExporter(t, k);
    const old = auditEntries(40);
    await publish(k, old);

    const plain = (r: Receiver) => ({ type: 'http', sink: { httpEndpoint: `${r.origin}/api/logs` } });
    const streams = [
      await ex.create({ ...plain(all), startFrom: 'beginning' }),
      await ex.create({ ...plain(fresh), startFrom: 'now' }),
      await ex.create({ ...plain(failures), startFrom: 'beginning', filters: [{ type: 'category', name: 'management.fail' }] }),
    ];
    for (const s of streams) await ex.running(s.id);
    const later = auditEntries(10);
    await publish(k, later);

    const everything = [...old, ...later];
    await received(all, everything.map((e) => e.log_id), 'the beginning stream');
    await received(fresh, later.map((e) => e.log_id), 'the now stream');
    const fapi = everything.filter((e) => e.type === 'fapi').map((e) => e.log_id);
    await received(failures, fapi, 'the filtered stream');
    // Everything is in by now for the first stream; the others saw the same records.
    assert.equal(all.counts().unique, everything.length);
    assert.deepEqual([...fresh.acceptedIds().keys()].sort(), later.map((e) => e.log_id).sort());
    assert.deepEqual([...failures.acceptedIds().keys()].sort(), [...fapi].sort());
    await ex.stop();
  });

  it('two exporters share a stream\'s partitions; a restarted exporter resumes from the committed position', async (t) => {
    const k = await useKafka(t);
    const dataDir = await mkdtemp(join(tmpdir(), 'apptrail-exporters-'));
    t.after(() => rm(dataDir, { recursive: true, force: true }));
    const http = await receiver(t, startHttpReceiver({ format: 'JSONLINES' }));
    const a = await startTestExporter(t, k, { dataDir });
    const b = await startTestExporter(t, k, { dataDir });
    const stream = await a.create({ type: 'http', sink: { httpEndpoint: `${http.origin}/api/logs` }, startFrom: 'beginning' });
    await a.running(stream.id);
    await b.running(stream.id);
    const first = await publish(k, auditEntries(150));
    await received(http, first, 'http');

    await a.stop();
    const second = await publish(k, auditEntries(150));
    await received(http, second, 'http');

    await b.stop();
    const third = await publish(k, auditEntries(50));
    const before = http.requests.length;
    const c = await startTestExporter(t, k, { dataDir });
    await received(http, third, 'http');
    const sinceRestart = new Set(http.requests.slice(before).flatMap((q) => q.logIds));
    assert.deepEqual([...sinceRestart].sort(), [...third].sort(), 'nothing before the committed position is sent again');
    await c.stop();
  });
});
