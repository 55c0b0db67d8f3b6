// Delivery against local receivers that check each vendor's documented protocol and fail on cue.
// No Kafka and no network: every server is on 127.0.0.1 with an ephemeral port.
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request } from 'undici';
import { gzipSync, deflateSync } from 'node:zlib';
import { sleep } from '../../shared/retry/backoff.js';
import {
  batchKey, chunk, createSinkClient, datadogSink, httpSink, nextDelay, splunkSink, streamContext, sumoSink,
  type AuditEntry, type DeliveryOutcome, type RetryPolicy, type SinkClient, type SinkDefinition, type StreamContext,
} from '../../shared/sinks/index.js';
import {
  startDatadogReceiver, startHttpReceiver, startSplunkReceiver, startSumoReceiver, type Receiver,
} from '../helpers/receivers/index.js';

let sequence = 0;
function entries(n: number, extra: Record<string, unknown> = {}): AuditEntry[] {
  return Array.from({ length: n }, () => {
    sequence++;
    return {
      log_id: `90020260101${String(sequence).padStart(45, '0')}`,
      date: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, sequence % 1000)).toISOString(),
      type: 'sapi',
      description: 'Update a client',
      client_id: 'mgmt-client',
      details: { request: { method: 'patch', path: `/api/v2/clients/c${sequence}` } },
      ...extra,
    };
  });
}
/** Incompressible, so gzip cannot shrink a request below what the receiver's slow reading needs. */
const bulky = (bytes: number) => ({ details: { noise: randomBytes(Math.ceil(bytes * 0.75)).toString('base64') } });

interface Case {
  name: string;
  start(): Promise<Receiver>;
  client(receiver: Receiver, opts?: { wrongCredentials?: boolean }): SinkClient;
  /** What a wrong token, key or collector code gets, per the vendor's docs. */
  deniedStatus: number;
  /** Largest body the receiver takes, as the vendor documents it (Datadog's 5 MB is beyond our own batches). */
  maxBytes?: number;
}

const stream = (receiver: Receiver): StreamContext =>
  streamContext({ streamId: 'lst_0000000000001269', host: 'apptrail-test', allowInsecureLoopback: true, datadogIntakeUrl: receiver.origin });

function open<C>(sink: SinkDefinition<C>, config: C, receiver: Receiver): SinkClient {
  const ctx = stream(receiver);
  // Validate the way the API will, with the loopback exception tests need.
  return createSinkClient(sink, sink.schema({ allowInsecureLoopback: true }).parse(config), ctx, { timeoutMs: 2000 });
}

const cases: Case[] = [
  {
    name: 'splunk',
    start: () => startSplunkReceiver({ token: 'hec-token' }),
    client: (r, o) => open(splunkSink, { splunkDomain: '127.0.0.1', splunkPort: String(r.port), splunkToken: o?.wrongCredentials ? 'other' : 'hec-token', splunkSecure: true }, r),
    deniedStatus: 403,
    maxBytes: 1_000_000,
  },
  {
    name: 'sumo',
    start: () => startSumoReceiver({ code: 'ZaVnC4dhaV' }),
    client: (r, o) => open(sumoSink, { sumoSourceAddress: `${r.origin}/receiver/v1/http/${o?.wrongCredentials ? 'stale' : 'ZaVnC4dhaV'}` }, r),
    deniedStatus: 401,
    maxBytes: 1_000_000,
  },
  {
    name: 'datadog',
    start: () => startDatadogReceiver({ apiKey: 'dd-key' }),
    client: (r, o) => open(datadogSink, { datadogApiKey: o?.wrongCredentials ? 'revoked' : 'dd-key', datadogRegion: 'us5' as const }, r),
    deniedStatus: 403,
  },
  {
    name: 'http',
    start: () => startHttpReceiver({ authorization: 'Bearer webhook-token', format: 'JSONLINES' }),
    client: (r, o) => open(httpSink, {
      httpEndpoint: `${r.origin}/api/logs`, httpContentFormat: 'JSONLINES', httpContentType: 'application/json',
      httpAuthorization: o?.wrongCredentials ? 'Bearer old' : 'Bearer webhook-token',
    }, r),
    deniedStatus: 401,
    maxBytes: 1_000_000,
  },
];

async function setup(t: TestContext, c: Case, opts?: { wrongCredentials?: boolean }): Promise<{ receiver: Receiver; client: SinkClient }> {
  const receiver = await c.start();
  const client = c.client(receiver, opts);
  t.after(async () => {
    await client.close();
    await receiver.close();
  });
  return { receiver, client };
}

function expectRetry(outcome: DeliveryOutcome): Extract<DeliveryOutcome, { kind: 'retry' }> {
  assert.equal(outcome.kind, 'retry', JSON.stringify(outcome));
  return outcome as Extract<DeliveryOutcome, { kind: 'retry' }>;
}

function expectReject(outcome: DeliveryOutcome): Extract<DeliveryOutcome, { kind: 'reject' }> {
  assert.equal(outcome.kind, 'reject', JSON.stringify(outcome));
  return outcome as Extract<DeliveryOutcome, { kind: 'reject' }>;
}

const fast: RetryPolicy = { minMs: 10, maxMs: 50, retryAfterCapMs: 200 };

for (const c of cases) {
  describe(`${c.name} delivery`, () => {
    it('delivers a batch the receiver accepts, with the batch key header', async (t) => {
      const { receiver, client } = await setup(t, c);
      const batch = entries(5);
      assert.equal((await client.deliver(batch)).kind, 'ok');
      assert.deepEqual(receiver.counts(), { requests: 1, accepted: 5, unique: 5, duplicates: [] });
      assert.deepEqual(receiver.requests[0]?.logIds, batch.map((e) => e.log_id));
      assert.equal(receiver.requests[0]?.headers['idempotency-key'], batchKey('lst_0000000000001269', batch.map((e) => e.log_id)));
      for (const [i, kept] of receiver.entries.entries()) {
        assert.equal(kept.log_id, batch[i]?.log_id);
        assert.deepEqual(kept.details, batch[i]?.details, 'the entry arrives intact');
      }
    });

    it('503 → retry', async (t) => {
      const { receiver, client } = await setup(t, c);
      receiver.failNext([{ status: 503 }]);
      assert.equal(expectRetry(await client.deliver(entries(2))).status, 503);
      assert.equal(receiver.counts().accepted, 0);
    });

    it('429 with Retry-After → retry after that long', async (t) => {
      const { receiver, client } = await setup(t, c);
      receiver.failNext([{ status: 429, retryAfter: 1 }]);
      const outcome = expectRetry(await client.deliver(entries(2)));
      assert.equal(outcome.status, 429);
      assert.equal(outcome.retryAfterMs, 1000);
      assert.equal(nextDelay(5, outcome), 1000);
    });

    it('400 → reject with the response body', async (t) => {
      const { receiver, client } = await setup(t, c);
      receiver.failNext([{ status: 400, body: 'field "x" is not allowed' }]);
      const outcome = expectReject(await client.deliver(entries(2)));
      assert.equal(outcome.status, 400);
      assert.equal(outcome.responseBody, 'field "x" is not allowed');
      assert.equal(outcome.scope, 'batch');
    });

    it('no answer in time → retry (gives up at its timeout, not the receiver\'s 5 s)', async (t) => {
      const { receiver, client } = await setup(t, c);
      receiver.failNext([{ timeoutMs: 5000 }]);
      const outcome = expectRetry(await client.deliver(entries(2), { timeoutMs: 300 }));
      assert.match(outcome.reason, /timeout/);
    });

    it('a receiver reading the body too slowly → retry, within the timeout', async (t) => {
      const { receiver, client } = await setup(t, c);
      receiver.failNext([{ slowReadMs: 150 }]);
      const outcome = expectRetry(await client.deliver(entries(1, bulky(600_000)), { timeoutMs: 400 }));
      assert.match(outcome.reason, /timeout/);
      assert.equal(receiver.counts().accepted, 0);
    });

    it(`wrong credentials → reject ${c.deniedStatus}, a sink-level problem`, async (t) => {
      const { receiver, client } = await setup(t, c, { wrongCredentials: true });
      const outcome = expectReject(await client.deliver(entries(2)));
      assert.equal(outcome.status, c.deniedStatus);
      assert.equal(outcome.scope, 'sink');
      assert.equal(receiver.counts().accepted, 0);
    });

    if (c.maxBytes !== undefined) {
      const maxBytes = c.maxBytes;
      it('an entry larger than the vendor allows is rejected alone; its neighbours go through', async (t) => {
        const { receiver, client } = await setup(t, c);
        const batch = [...entries(3), ...entries(1, bulky(maxBytes + 200_000)), ...entries(3)];
        const planned = client.plan(batch);
        assert.deepEqual(planned.map((g) => g.length), [3, 1, 3]);
        const outcomes = [];
        for (const group of planned) outcomes.push(await client.deliver(group));
        assert.deepEqual(outcomes.map((o) => o.kind), ['ok', 'reject', 'ok']);
        assert.equal(expectReject(outcomes[1] ?? { kind: 'ok' }).status, 413);
        assert.equal(receiver.counts().unique, 6);
      });
    }

    it('retrying with nextDelay until ok delivers everything; duplicates only where a lost answer forced a resend', async (t) => {
      const { receiver, client } = await setup(t, c);
      const all = entries(30);
      const groups = chunk(all, { maxEntries: 10, maxBytes: 1_000_000 }, () => 1);
      receiver.failNext([
        { status: 503 },
        { timeoutMs: 2000, accept: true }, // stored, but the answer never came
        { status: 429, retryAfter: 0 },
        { pass: true }, // group 0 succeeds on its 4th attempt
        { status: 408, accept: true }, // Sumo's "accepted but timed out"
        // group 1 succeeds on its 2nd attempt; group 2 on its 1st
      ]);
      const attemptsPerGroup: number[] = [];
      for (const group of groups) {
        let attempt = 0;
        for (;;) {
          const outcome = await client.deliver(group, { timeoutMs: 300 });
          if (outcome.kind === 'ok') break;
          assert.ok(attempt < 10, 'bounded');
          await sleep(nextDelay(attempt++, expectRetry(outcome), fast));
        }
        attemptsPerGroup.push(attempt + 1);
      }
      assert.deepEqual(attemptsPerGroup, [4, 2, 1]);

      const counts = receiver.counts();
      assert.equal(counts.unique, 30, 'every entry arrived');
      const resent = new Set([...(groups[0] ?? []), ...(groups[1] ?? [])].map((e) => e.log_id));
      assert.deepEqual(new Set(counts.duplicates), resent);
      for (const [id, times] of receiver.acceptedIds()) assert.equal(times, resent.has(id) ? 2 : 1, id);
      // A duplicate is the same entry under the same log_id, so a receiver can drop it by id.
      for (const id of resent) {
        const copies = receiver.entries.filter((e) => e.log_id === id);
        assert.equal(copies.length, 2);
        assert.deepEqual(copies[0], copies[1]);
      }
      // Each retry of a batch carried the same idempotency key.
      const keysByGroup = groups.map((g) => batchKey('lst_0000000000001269', g.map((e) => e.log_id)));
      const sent = receiver.requests.map((r) => r.headers['idempotency-key']);
      assert.deepEqual(sent, [keysByGroup[0], keysByGroup[0], keysByGroup[0], keysByGroup[0], keysByGroup[1], keysByGroup[1], keysByGroup[2]]);
    });
  });
}

describe('delivery failures before any answer', () => {
  it('a closed port → retry with the network error', async () => {
    const receiver = await startHttpReceiver({ format: 'JSONLINES' });
    const client = open(httpSink, { httpEndpoint: `${receiver.origin}/api/logs` }, receiver);
    await receiver.close();
    const outcome = expectRetry(await client.deliver(entries(1)));
    assert.match(outcome.reason, /network error ECONNREFUSED/);
    await client.close();
  });

  it('the caller aborting → retry at once', async (t) => {
    const { receiver, client } = await setup(t, cases[3] as Case);
    receiver.failNext([{ timeoutMs: 5000 }]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const outcome = expectRetry(await client.deliver(entries(1), { signal: controller.signal, timeoutMs: 3000 }));
    assert.match(outcome.reason, /aborted by the caller/);
  });

  it('nothing to send → ok without a request', async (t) => {
    const { receiver, client } = await setup(t, cases[0] as Case);
    assert.deepEqual(await client.deliver([]), { kind: 'ok' });
    assert.equal(receiver.counts().requests, 0);
  });
});

describe('splunk specifics', () => {
  it('a 400 code 6 naming the bad event is a batch reject that says earlier events were indexed', async (t) => {
    const { receiver, client } = await setup(t, cases[0] as Case);
    receiver.failNext([{ status: 400, body: JSON.stringify({ text: 'Invalid data format', code: 6, 'invalid-event-number': 1 }) }]);
    const outcome = expectReject(await client.deliver(entries(3)));
    assert.equal(outcome.scope, 'batch');
    assert.match(outcome.reason, /event 1; earlier events in the batch were indexed/);
  });
});

/** Raw requests, to show the receivers hold senders to the documented protocol. */
describe('receivers enforce their protocol', () => {
  async function post(url: string, body: string | Buffer, headers: Record<string, string>) {
    const res = await request(url, { method: 'POST', body, headers });
    const text = await res.body.text();
    return { status: res.statusCode, json: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : text };
  }

  it('splunk: token codes, partial indexing, event field, channel format', async (t) => {
    const receiver = await startSplunkReceiver({ token: 'tok' });
    t.after(() => receiver.close());
    const url = `${receiver.origin}/services/collector`;
    assert.deepEqual(await post(url, '{"event":1,"time":1}', {}), { status: 401, json: { text: 'Token is required', code: 2 } });
    assert.deepEqual(await post(url, '{"event":1,"time":1}', { authorization: 'Bearer tok' }), { status: 401, json: { text: 'Invalid authorization', code: 3 } });
    assert.deepEqual(await post(url, '{"event":1,"time":1}', { authorization: 'Splunk nope' }), { status: 403, json: { text: 'Invalid token', code: 4 } });
    const auth = { authorization: 'Splunk tok' };
    assert.deepEqual(await post(url, ' ', auth), { status: 400, json: { text: 'No data', code: 5 } });
    const partial = await post(url, '{"time":1,"event":{"log_id":"a"}}{"time":1,"event":{"log_id":"b"}}{"time":1,"event":', auth);
    assert.deepEqual(partial, { status: 400, json: { text: 'Invalid data format', code: 6, 'invalid-event-number': 2 } });
    assert.deepEqual([...receiver.acceptedIds().keys()], ['a', 'b'], 'events before the bad one are indexed');
    assert.deepEqual((await post(url, '{"time":1}', auth)).json, { text: 'Event field is required', code: 12, 'invalid-event-number': 0 });
    assert.deepEqual((await post(url, '{"time":"soon","event":{"log_id":"c"}}', auth)).json, { text: 'Invalid data format', code: 6, 'invalid-event-number': 0 });
    assert.deepEqual(await post(url, '{"time":1,"event":{"log_id":"c"}}', { ...auth, 'x-splunk-request-channel': 'not-a-guid' }), { status: 400, json: { text: 'Invalid data channel', code: 11 } });
    assert.equal((await post(url, deflateSync('{"time":1,"event":{"log_id":"d"}}'), { ...auth, 'content-encoding': 'deflate' })).status, 415);
    assert.deepEqual(await post(url, gzipSync('{"time":1.5,"event":{"log_id":"e"}}'), { ...auth, 'content-encoding': 'gzip' }), { status: 200, json: { text: 'Success', code: 0 } });
    assert.equal((await post(`${receiver.origin}/services/collector/raw`, 'x', auth)).status, 404);
  });

  it('sumo: collector code in the path, deflate accepted, one JSON object per line, 1 MB', async (t) => {
    const receiver = await startSumoReceiver({ code: 'abc' });
    t.after(() => receiver.close());
    assert.equal((await post(`${receiver.origin}/receiver/v1/http/wrong`, '{"log_id":"a"}', {})).status, 401);
    assert.equal((await post(`${receiver.origin}/receiver/v1/http/abc`, deflateSync('{"log_id":"a"}\n{"log_id":"b"}'), { 'content-encoding': 'deflate' })).status, 200);
    assert.equal((await post(`${receiver.origin}/receiver/v1/http/abc`, '[{"log_id":"c"}]', {})).status, 400);
    assert.equal((await post(`${receiver.origin}/receiver/v1/http/abc`, gzipSync('x'.repeat(1_000_001)), { 'content-encoding': 'gzip' })).status, 413);
    assert.deepEqual([...receiver.acceptedIds().keys()], ['a', 'b']);
  });

  it('datadog: key, JSON array of at most 1000 objects, 202', async (t) => {
    const receiver = await startDatadogReceiver({ apiKey: 'k' });
    t.after(() => receiver.close());
    const url = `${receiver.origin}/api/v2/logs`;
    const json = { 'content-type': 'application/json' };
    assert.equal((await post(url, '[]', json)).status, 401);
    assert.equal((await post(url, '[]', { ...json, 'dd-api-key': 'x' })).status, 403);
    const items = (n: number) => JSON.stringify(Array.from({ length: n }, (_, i) => ({ log_id: `l${i}`, message: 'm' })));
    assert.equal((await post(url, items(1001), { ...json, 'dd-api-key': 'k' })).status, 400);
    assert.equal((await post(url, '[{"log_id":"x","service":7}]', { ...json, 'dd-api-key': 'k' })).status, 400);
    assert.deepEqual(await post(url, gzipSync(items(1000)), { ...json, 'dd-api-key': 'k', 'content-encoding': 'gzip' }), { status: 202, json: {} });
    assert.equal(receiver.counts().unique, 1000);
  });

  it('http: authorization, content type, and each format parsed as {log_id, data}', async (t) => {
    const lines = await startHttpReceiver({ authorization: 'Bearer t', format: 'JSONLINES' });
    const array = await startHttpReceiver({ format: 'JSONARRAY', contentType: 'application/x-ndjson' });
    t.after(async () => { await lines.close(); await array.close(); });
    const ok = { authorization: 'Bearer t', 'content-type': 'application/json' };
    const element = (id: string) => JSON.stringify({ log_id: id, data: { log_id: id } });
    assert.equal((await post(`${lines.origin}/api/logs`, element('a'), { ...ok, authorization: 'Bearer x' })).status, 401);
    assert.equal((await post(`${lines.origin}/api/logs`, element('a'), { ...ok, 'content-type': 'text/plain' })).status, 415);
    assert.equal((await post(`${lines.origin}/api/logs`, JSON.stringify({ log_id: 'a', data: { log_id: 'b' } }), ok)).status, 400);
    assert.equal((await post(`${lines.origin}/api/logs`, `${element('a')}\n${element('b')}`, ok)).status, 200);
    assert.equal((await post(`${array.origin}/api/logs`, element('c'), { 'content-type': 'application/x-ndjson' })).status, 400);
    assert.equal((await post(`${array.origin}/api/logs`, `[${element('c')},${element('d')}]`, { 'content-type': 'application/x-ndjson' })).status, 200);
    assert.deepEqual([...lines.acceptedIds().keys(), ...array.acceptedIds().keys()], ['a', 'b', 'c', 'd']);
  });
});
