import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { migrate } from '../../shared/clickhouse/index.js';
import { openTestClickHouse, type TestClickHouse } from '../helpers/clickhouse-target.js';
import { migrations } from '../../shared/migrations/index.js';
import { HISTOGRAM_INTERVALS, makeLogId, type AuditEntry, type HistogramInterval } from '../../shared/audit/index.js';
import { createTokenVerifier } from '../../shared/auth/index.js';
import { createLogger } from '../../shared/log/index.js';
import { buildApp } from '../../services/api/app.js';
import { logsRoutes } from '../../services/audit/logs-routes.js';
import { insertEntries } from '../../services/audit/writer.js';

const AUDIENCE = 'https://apptrail.test/api/v2/';
const secret = new TextEncoder().encode('x'.repeat(32));
const ENTRIES = 2_500;

function entry(i: number): AuditEntry {
  const date = new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString();
  const type = i % 10 === 0 ? 'fapi' : 'sapi';
  return {
    log_id: makeLogId(Date.parse(date), `test:${i}`),
    date,
    type,
    description: i % 3 === 0 ? 'Update a client' : 'Create a client',
    client_id: `caller-${i % 4}`,
    client_name: '',
    user_id: `auth0|user-${i % 7}`,
    user_name: 'Admin, "quoted"',
    ip: '127.0.0.1',
    user_agent: 'test',
    hostname: '',
    target_client_id: `target-${i % 50}`,
    target_client_name: `Target ${i % 50}`,
    scope: '',
    audience: '',
    connection: '',
    connection_id: '',
    organization_id: '',
    strategy: '',
    strategy_type: '',
    details: { request: { method: 'post', path: '/api/v2/clients', query: {}, body: { name: `n${i}` } }, response: { statusCode: type === 'fapi' ? 400 : 201, body: {} } },
  };
}

describe('logs API on the embedded engine', () => {
  let dir: string;
  let ch: TestClickHouse;
  let app: FastifyInstance;
  let token: string;
  const all = Array.from({ length: ENTRIES }, (_, i) => entry(i));

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'apptrail-logs-'));
    ch = await openTestClickHouse('logs_api', dir);
    await migrate(ch, migrations);
    await insertEntries(ch, all);
    // A redelivered batch: the same entries again.
    await insertEntries(ch, all.slice(0, 300));
    app = await buildApp({ log: createLogger({ level: 'silent' }), verify: createTokenVerifier({ audience: AUDIENCE, secret }), readiness: {}, features: [(a) => logsRoutes(a, { ch })] });
    token = await new SignJWT({ scope: 'read:logs' }).setProtectedHeader({ alg: 'HS256' }).setSubject('t').setAudience(AUDIENCE).setExpirationTime('1h').sign(secret);
  });
  after(async () => {
    await app.close();
    await ch.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  const get = async (url: string, bearer = token) => {
    const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${bearer}` } });
    return { status: res.statusCode, body: res.body, headers: res.headers };
  };

  it('walks every entry exactly once with checkpoint paging, following the Link header', async () => {
    const seen: string[] = [];
    let url = '/api/v2/logs?take=100';
    for (let i = 0; i < 100; i++) {
      const res = await get(url);
      assert.equal(res.status, 200);
      const page = JSON.parse(res.body) as Array<{ log_id: string }>;
      if (page.length === 0) break;
      seen.push(...page.map((e) => e.log_id));
      const link = /<([^>]+)>; rel="next"/.exec(String(res.headers.link))![1]!;
      url = new URL(link).pathname + new URL(link).search;
    }
    assert.equal(seen.length, ENTRIES);
    assert.deepEqual(seen, all.map((e) => e.log_id).sort());
  });

  it('exports exactly what the query returns, as NDJSON and as CSV', async () => {
    const q = encodeURIComponent('type:fapi AND date:[2026-01-01 TO 2026-01-01T23:59:59Z]');
    const expected = all.filter((e) => e.type === 'fapi' && e.date < '2026-01-02').map((e) => e.log_id).sort();
    const ndjson = await get(`/api/v2/logs/export?q=${q}`);
    assert.equal(ndjson.status, 200);
    assert.match(String(ndjson.headers['content-type']), /application\/x-ndjson/);
    const exported = ndjson.body.trim().split('\n').map((l) => JSON.parse(l) as { log_id: string; type: string; details: { response: { statusCode: number } } });
    assert.deepEqual(exported.map((e) => e.log_id), expected);
    assert.ok(exported.every((e) => e.type === 'fapi' && e.details.response.statusCode === 400));

    const searched: string[] = [];
    for (let page = 0; ; page++) {
      const res = JSON.parse((await get(`/api/v2/logs?q=${q}&per_page=100&page=${page}&sort=date:1&fields=log_id`)).body) as Array<{ log_id: string }>;
      searched.push(...res.map((e) => e.log_id));
      if (res.length < 100) break;
    }
    assert.deepEqual(searched, expected, 'export equals query');

    const csv = await get(`/api/v2/logs/export?q=${q}&format=csv&fields=log_id,type,user_name`);
    const lines = csv.body.trim().split('\n');
    assert.equal(lines[0], 'log_id,type,user_name');
    assert.equal(lines.length - 1, expected.length);
    assert.equal(lines[1], `${expected[0]},fapi,"Admin, ""quoted"""`, 'CSV quoting by csv-stringify');

    const everything = await get('/api/v2/logs/export');
    assert.equal(everything.body.trim().split('\n').length, ENTRIES, 'the full export spans several keyset pages, none repeated');
  });

  it('answers search mode with totals, gets one entry by id, and 404s an unknown one', async () => {
    const res = JSON.parse((await get('/api/v2/logs?q=client_id:caller-1&include_totals=true&per_page=5')).body);
    assert.equal(res.total, all.filter((e) => e.client_id === 'caller-1').length);
    assert.equal(res.logs.length, 5);
    assert.equal(res.length, 5);
    const one = all[42]!;
    const got = JSON.parse((await get(`/api/v2/logs/${one.log_id}`)).body);
    assert.equal(got.log_id, one.log_id);
    assert.equal(got.date, one.date);
    const missing = await get(`/api/v2/logs/${'9'.repeat(56)}`);
    assert.equal(missing.status, 404);
    assert.equal(JSON.parse(missing.body).errorCode, 'inexistent_log');
  });

  /** What the histogram must say, counted here from the entries inserted. */
  function expectedBuckets(entries: AuditEntry[], stepMs: number): Array<{ date: string; total: number; counts: Record<string, number> }> {
    const map = new Map<number, { date: string; total: number; counts: Record<string, number> }>();
    for (const e of entries) {
      const start = Math.floor(Date.parse(e.date) / stepMs) * stepMs;
      const b = map.get(start) ?? { date: new Date(start).toISOString(), total: 0, counts: {} };
      b.counts[e.type] = (b.counts[e.type] ?? 0) + 1;
      b.total += 1;
      map.set(start, b);
    }
    return [...map.entries()].sort((a, b) => a[0] - b[0]).map(([, b]) => b);
  }

  it('counts matching entries per interval and type, each entry once, for any filter and interval', async () => {
    const auto = JSON.parse((await get('/api/v2/logs/histogram')).body);
    // 2,500 minutes are too many buckets for auto (at most 200); hours are not.
    assert.equal(auto.interval, 'hour');
    assert.equal(auto.total, ENTRIES, 'the redelivered copies are not counted');
    assert.deepEqual(auto.buckets, expectedBuckets(all, HISTOGRAM_INTERVALS.hour));

    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<HistogramInterval>('hour', 'day', 'week'),
        fc.option(fc.constantFrom('sapi', 'fapi'), { nil: undefined }),
        fc.option(fc.integer({ min: 0, max: 49 }), { nil: undefined }),
        async (interval, type, target) => {
          const terms = [type && `type:${type}`, target !== undefined && `target_client_id:"target-${target}"`].filter(Boolean);
          const q = terms.join(' AND ');
          const res = await get(`/api/v2/logs/histogram?interval=${interval}${q ? `&q=${encodeURIComponent(q)}` : ''}`);
          assert.equal(res.status, 200, res.body);
          const body = JSON.parse(res.body);
          const matching = all.filter((e) => (!type || e.type === type) && (target === undefined || e.target_client_id === `target-${target}`));
          assert.equal(body.interval, interval);
          assert.equal(body.total, matching.length);
          assert.deepEqual(body.buckets, expectedBuckets(matching, HISTOGRAM_INTERVALS[interval]));
        },
      ),
      { numRuns: 15 },
    );
  });

  it('refuses a histogram interval too fine for the matches, a bad q or interval, and answers an empty match with no buckets', async () => {
    const tooFine = await get('/api/v2/logs/histogram?interval=minute');
    assert.equal(tooFine.status, 400);
    assert.match(JSON.parse(tooFine.body).message, /2500 buckets/);
    assert.equal((await get(`/api/v2/logs/histogram?q=${encodeURIComponent('type:(fapi OR')}`)).status, 400);
    const badInterval = await get('/api/v2/logs/histogram?interval=second');
    assert.equal(badInterval.status, 400);
    assert.deepEqual(Object.keys(JSON.parse(badInterval.body)).sort(), ['error', 'errorCode', 'message', 'statusCode']);
    const none = JSON.parse((await get('/api/v2/logs/histogram?q=type:nothing')).body);
    assert.deepEqual(none, { interval: 'hour', interval_ms: 3_600_000, total: 0, buckets: [] });
    const injection = JSON.parse((await get(`/api/v2/logs/histogram?q=${encodeURIComponent(`type:"x' OR 1=1 --"`)}`)).body);
    assert.equal(injection.total, 0);
  });

  it('refuses a malformed q with a 400 that says where it broke, and needs read:logs', async () => {
    const bad = await get(`/api/v2/logs?q=${encodeURIComponent('type:(fapi OR')}`);
    assert.equal(bad.status, 400);
    assert.match(JSON.parse(bad.body).message, /position \d+/);
    const badExport = await get(`/api/v2/logs/export?q=${encodeURIComponent('nosuchfield:x')}`);
    assert.equal(badExport.status, 400);
    const injection = await get(`/api/v2/logs?q=${encodeURIComponent(`client_id:"x' OR 1=1 --"`)}`);
    assert.deepEqual(JSON.parse(injection.body), []);
    const other = await new SignJWT({ scope: 'read:clients' }).setProtectedHeader({ alg: 'HS256' }).setSubject('t').setAudience(AUDIENCE).setExpirationTime('1h').sign(secret);
    assert.equal((await get('/api/v2/logs', other)).status, 403);
    assert.equal((await get('/api/v2/logs/export', other)).status, 403);
    assert.equal((await get('/api/v2/logs/histogram', other)).status, 403);
  });
});
