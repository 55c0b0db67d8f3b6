import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import {
  batchKey, chunk, datadogSink, encodeBatch, httpSink, planBatches, sinkSecretFields, splunkChannel, splunkSink,
  streamContext, sumoSink, type AuditEntry, type EncodedBatch, type HttpSinkConfig,
} from '../../shared/sinks/index.js';
import { splitConcatenatedJson } from '../helpers/receivers/core.js';

const ctx = streamContext({ streamId: 'lst_0000000000000001', host: 'apptrail-test' });

function entry(i: number, extra: Record<string, unknown> = {}): AuditEntry {
  return {
    log_id: `90020260101000000000000000000000000000000000000000${String(i).padStart(6, '0')}`,
    date: new Date(Date.UTC(2026, 0, 1, 0, 0, i % 60, 123)).toISOString(),
    type: 'sapi',
    description: 'Create a client',
    client_id: 'mgmt-client',
    ip: '203.0.113.7',
    details: { request: { method: 'post', path: '/api/v2/clients' }, response: { statusCode: 201 } },
    ...extra,
  };
}
const entries = (n: number, extra?: Record<string, unknown>): AuditEntry[] => Array.from({ length: n }, (_, i) => entry(i, extra));

const text = (batch: EncodedBatch): string =>
  (batch.headers['content-encoding'] === 'gzip' ? gunzipSync(batch.body) : batch.body).toString('utf8');

const splunkConfig = { splunkDomain: 'splunk.example.com', splunkToken: 'hec-token', splunkPort: '8088', splunkSecure: true };
const sumoConfig = { sumoSourceAddress: 'https://endpoint1.collection.sumologic.com/receiver/v1/http/ZaVnC4dhaV' };
const datadogConfig = { datadogApiKey: 'dd-key', datadogRegion: 'eu' as const };
const httpConfig = (format: HttpSinkConfig['httpContentFormat']): HttpSinkConfig => ({
  httpEndpoint: 'https://logs.example.com/api/logs',
  httpContentType: 'application/json',
  httpContentFormat: format,
  httpAuthorization: 'Bearer webhook-token',
  httpCustomHeaders: [{ header: 'X-Tenant', value: 'acme' }],
});

describe('splunk HEC format', () => {
  it('sends gzipped envelopes one after another, with token, channel and ms-precision time', async () => {
    const batch = await encodeBatch(splunkSink, splunkConfig, entries(3), ctx);
    assert.equal(batch.url.href, 'https://splunk.example.com:8088/services/collector/event');
    assert.equal(batch.headers.authorization, 'Splunk hec-token');
    assert.equal(batch.headers['content-encoding'], 'gzip');
    assert.equal(batch.headers['x-splunk-request-channel'], splunkChannel(ctx.streamId));
    const body = text(batch);
    assert.ok(body.startsWith('{') && body.includes('}{') && !body.startsWith('['), 'no array, no commas between envelopes');
    const { objects, invalidAt } = splitConcatenatedJson(body);
    assert.equal(invalidAt, undefined);
    assert.deepEqual(objects, entries(3).map((e) => ({ time: Date.parse(e.date) / 1000, host: 'apptrail-test', source: 'auth0', sourcetype: '_json', event: e })));
    assert.match(String((objects[0] as { time: number }).time), /^\d+\.123$/);
  });

  it('derives one stable GUID channel per stream', () => {
    const a = splunkChannel('lst_1');
    assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(splunkChannel('lst_1'), a);
    assert.notEqual(splunkChannel('lst_2'), a);
  });

  it('uses plain http only for a loopback domain and only when allowed', () => {
    const local = { ...splunkConfig, splunkDomain: '127.0.0.1' };
    assert.equal(splunkSink.target(local, ctx).url.protocol, 'https:');
    assert.equal(splunkSink.target(local, { ...ctx, allowInsecureLoopback: true }).url.protocol, 'http:');
    assert.equal(splunkSink.target(splunkConfig, { ...ctx, allowInsecureLoopback: true }).url.protocol, 'https:');
    assert.equal(splunkSink.target({ ...splunkConfig, splunkSecure: false }, ctx).verifyTls, false);
  });
});

describe('sumo format', () => {
  it('sends gzipped JSON lines to the source URL with X-Sumo headers', async () => {
    const batch = await encodeBatch(sumoSink, sumoConfig, entries(3, { description: 'multi\nline' }), ctx);
    assert.equal(batch.url.href, sumoConfig.sumoSourceAddress);
    assert.equal(batch.headers['x-sumo-name'], 'auth0');
    assert.equal(batch.headers['x-sumo-host'], 'apptrail-test');
    assert.equal(batch.headers['x-sumo-category'], undefined, 'the category configured on the source stays in charge');
    const lines = text(batch).split('\n');
    assert.equal(lines.length, 3, 'a line break inside an entry does not split it');
    assert.deepEqual(lines.map((line) => JSON.parse(line) as unknown), entries(3, { description: 'multi\nline' }));
    const categorised = await encodeBatch(sumoSink, sumoConfig, entries(1), { ...ctx, category: 'prod/auth' });
    assert.equal(categorised.headers['x-sumo-category'], 'prod/auth');
  });
});

describe('datadog format', () => {
  it('sends a gzipped JSON array of log items with the entry fields as attributes', async () => {
    const batch = await encodeBatch(datadogSink, datadogConfig, entries(2), ctx);
    assert.equal(batch.url.href, 'https://http-intake.logs.datadoghq.eu/api/v2/logs');
    assert.equal(batch.headers['dd-api-key'], 'dd-key');
    assert.equal(batch.headers['content-type'], 'application/json');
    const items = JSON.parse(text(batch)) as Record<string, unknown>[];
    assert.equal(items.length, 2);
    for (const [i, item] of items.entries()) {
      assert.deepEqual(item, { ...entry(i), ddsource: 'auth0', ddtags: `stream:${ctx.streamId}`, hostname: 'apptrail-test', service: 'auth0', message: 'Create a client' });
    }
  });

  it('maps every region to its intake and takes a loopback override only when allowed', () => {
    const hosts = (['us', 'eu', 'us3', 'us5'] as const).map((r) => datadogSink.target({ ...datadogConfig, datadogRegion: r }, ctx).url.host);
    assert.deepEqual(hosts, ['http-intake.logs.datadoghq.com', 'http-intake.logs.datadoghq.eu', 'http-intake.logs.us3.datadoghq.com', 'http-intake.logs.us5.datadoghq.com']);
    const local = { ...ctx, datadogIntakeUrl: 'http://127.0.0.1:9/' };
    assert.throws(() => datadogSink.target(datadogConfig, local), /must use https/);
    assert.equal(datadogSink.target(datadogConfig, { ...local, allowInsecureLoopback: true }).url.href, 'http://127.0.0.1:9/api/v2/logs');
  });
});

describe('http format', () => {
  const wrapped = (n: number) => entries(n).map((e) => ({ log_id: e.log_id, data: e }));

  it('JSONARRAY: one array of {log_id, data}, uncompressed, with the configured headers', async () => {
    const batch = await encodeBatch(httpSink, httpConfig('JSONARRAY'), entries(3), ctx);
    assert.equal(batch.headers['content-encoding'], undefined);
    assert.equal(batch.headers.authorization, 'Bearer webhook-token');
    assert.equal(batch.headers['content-type'], 'application/json');
    assert.equal(batch.headers['x-tenant'], 'acme');
    assert.deepEqual(JSON.parse(text(batch)), wrapped(3));
  });

  it('JSONLINES (also the default): one {log_id, data} per line', async () => {
    for (const format of ['JSONLINES', undefined] as const) {
      const batch = await encodeBatch(httpSink, httpConfig(format), entries(3), ctx);
      assert.deepEqual(text(batch).split('\n').map((line) => JSON.parse(line) as unknown), wrapped(3));
    }
  });

  it('JSONOBJECT: one object per request', async () => {
    const config = httpConfig('JSONOBJECT');
    const planned = planBatches(httpSink, config, entries(3), ctx);
    assert.deepEqual(planned.map((b) => b.length), [1, 1, 1]);
    const batch = await encodeBatch(httpSink, config, planned[1] ?? [], ctx);
    assert.deepEqual(JSON.parse(text(batch)), wrapped(2)[1]);
    await assert.rejects(encodeBatch(httpSink, config, entries(2), ctx), RangeError, 'two objects would not be one JSON body');
  });
});

describe('sink config schemas', () => {
  it('require https, except loopback http when explicitly allowed', () => {
    const strict = httpSink.schema();
    assert.equal(strict.safeParse({ httpEndpoint: 'https://x.example/logs' }).success, true);
    assert.equal(strict.safeParse({ httpEndpoint: 'http://x.example/logs' }).success, false);
    assert.equal(strict.safeParse({ httpEndpoint: 'http://127.0.0.1:8080/logs' }).success, false);
    assert.equal(httpSink.schema({ allowInsecureLoopback: true }).safeParse({ httpEndpoint: 'http://127.0.0.1:8080/logs' }).success, true);
    assert.equal(httpSink.schema({ allowInsecureLoopback: true }).safeParse({ httpEndpoint: 'http://10.0.0.1/logs' }).success, false);
    assert.equal(strict.safeParse({ httpEndpoint: 'https://user:pw@x.example/logs' }).success, false);
    assert.equal(sumoSink.schema({ allowInsecureLoopback: true }).safeParse({ sumoSourceAddress: 'http://localhost:1/receiver/v1/http/abc' }).success, true);
    // Any https URL, as Auth0 takes it (go-auth0 recordings: `https://example.com`).
    assert.equal(sumoSink.schema().safeParse({ sumoSourceAddress: 'https://sumo.example/other/abc' }).success, true);
    assert.equal(sumoSink.schema().safeParse({ sumoSourceAddress: 'https://example.com' }).success, true);
    assert.equal(sumoSink.schema().safeParse({ sumoSourceAddress: 'http://example.com/receiver/v1/http/abc' }).success, false);
  });

  it('refuse custom headers that would override framing or credentials', () => {
    const schema = httpSink.schema();
    for (const header of ['Authorization', 'content-length', 'Host', 'Idempotency-Key', 'Proxy-Authorization', 'bad header']) {
      assert.equal(schema.safeParse({ httpEndpoint: 'https://x.example', httpCustomHeaders: [{ header, value: 'v' }] }).success, false, header);
    }
    assert.equal(schema.safeParse({ httpEndpoint: 'https://x.example', httpCustomHeaders: [{ header: 'X-A', value: 'a\r\nB: c' }] }).success, false);
  });

  it('validate Splunk and Datadog fields the way Auth0 names them', () => {
    const splunk = splunkSink.schema();
    assert.equal(splunk.safeParse(splunkConfig).success, true);
    assert.equal(splunk.safeParse({ ...splunkConfig, splunkPort: 8088 }).success, false, 'port is a string');
    assert.equal(splunk.safeParse({ ...splunkConfig, splunkPort: '70000' }).success, false);
    assert.equal(splunk.safeParse({ ...splunkConfig, splunkDomain: 'https://splunk.example.com' }).success, false);
    assert.equal(datadogSink.schema().safeParse({ ...datadogConfig, datadogRegion: 'ap1' }).success, false);
  });

  it('name every credential-bearing field as a secret', () => {
    assert.deepEqual(sinkSecretFields, {
      http: ['httpAuthorization'], splunk: ['splunkToken'], sumo: ['sumoSourceAddress'], datadog: ['datadogApiKey'],
    });
  });
});

describe('batching', () => {
  const size = (s: string) => Buffer.byteLength(s);

  it('splits by count and by framed bytes, in order', () => {
    const items = ['aaaa', 'bbbb', 'cccc', 'dddd', 'eeee'];
    assert.deepEqual(chunk(items, { maxEntries: 2, maxBytes: 1000 }, size), [['aaaa', 'bbbb'], ['cccc', 'dddd'], ['eeee']]);
    // '[' + 'aaaa' + ',' + 'bbbb' + ']' = 11 bytes fits; a third element would make 16.
    assert.deepEqual(chunk(items, { maxEntries: 10, maxBytes: 11 }, size, { open: '[', separator: ',', close: ']' }), [['aaaa', 'bbbb'], ['cccc', 'dddd'], ['eeee']]);
    assert.deepEqual(chunk([], { maxEntries: 1, maxBytes: 1 }, size), []);
  });

  it('sends an oversized item alone, without disturbing its neighbours', () => {
    const big = 'x'.repeat(50);
    assert.deepEqual(chunk(['a', 'b', big, 'c', 'd'], { maxEntries: 10, maxBytes: 10 }, size), [['a', 'b'], [big], ['c', 'd']]);
  });

  it('keeps every planned request within the sink limits, measured on the real body', async () => {
    const heavy = entries(40, { details: { blob: 'y'.repeat(150_000) } });
    for (const [sink, config] of [[splunkSink, splunkConfig], [sumoSink, sumoConfig], [datadogSink, datadogConfig], [httpSink, httpConfig('JSONARRAY')]] as const) {
      // The union of sink types collapses config to never; each pair above is well-typed on its own.
      const def = sink as typeof httpSink;
      const cfg = config as HttpSinkConfig;
      const planned = planBatches(def, cfg, heavy, ctx);
      assert.deepEqual(planned.flat().map((e) => e.log_id), heavy.map((e) => e.log_id), `${sink.type}: nothing lost or reordered`);
      for (const group of planned) {
        const batch = await encodeBatch(def, cfg, group, ctx);
        assert.ok(batch.rawBytes <= def.limits(cfg).maxBytes, `${sink.type}: ${batch.rawBytes} bytes`);
      }
      assert.ok(planned.length > 1, `${sink.type} needed several requests`);
    }
  });

  it('caps Datadog requests at 1000 items', () => {
    assert.deepEqual(planBatches(datadogSink, datadogConfig, entries(2500), ctx).map((b) => b.length), [1000, 1000, 500]);
  });

  it('gzip round-trips to exactly the uncompressed body that was measured', async () => {
    const batch = await encodeBatch(datadogSink, datadogConfig, entries(200), ctx);
    const raw = gunzipSync(batch.body);
    assert.equal(raw.length, batch.rawBytes);
    assert.ok(batch.body.length < raw.length);
  });
});

describe('idempotency key', () => {
  it('is the same for the same batch on the same stream, and differs otherwise', async () => {
    const a = await encodeBatch(sumoSink, sumoConfig, entries(5), ctx);
    const b = await encodeBatch(sumoSink, sumoConfig, entries(5), ctx);
    assert.equal(a.idempotencyKey, b.idempotencyKey);
    assert.equal(a.headers['idempotency-key'], a.idempotencyKey);
    assert.equal(a.idempotencyKey, batchKey(ctx.streamId, entries(5).map((e) => e.log_id)));
    assert.notEqual(batchKey(ctx.streamId, entries(4).map((e) => e.log_id)), a.idempotencyKey);
    assert.notEqual(batchKey(ctx.streamId, entries(5).map((e) => e.log_id).reverse()), a.idempotencyKey);
    assert.notEqual(batchKey('lst_other', entries(5).map((e) => e.log_id)), a.idempotencyKey);
    // Ids are hashed as a JSON list, so joining them differently cannot collide.
    assert.notEqual(batchKey('s', ['a,b']), batchKey('s', ['a', 'b']));
  });
});
