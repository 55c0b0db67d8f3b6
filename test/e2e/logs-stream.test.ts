// The live tail (GET /api/v2/logs/stream) over real HTTP: the clients API on a real broker, the
// audit writer into chDB, the stream reading what it committed.
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import fc from 'fast-check';
import { migrate, type ClickHouseHandle } from '../../shared/clickhouse/index.js';
import { openTestClickHouse } from '../helpers/clickhouse-target.js';
import { migrations } from '../../shared/migrations/index.js';
import { connectSse, type SseConnection } from '../../shared/http/sse-client.js';
import { startAuditConsumer } from '../../services/audit/consumer.js';
import { logsRoutes } from '../../services/audit/logs-routes.js';
import { eventually, testLog, useKafka, type TestKafka } from '../helpers/kafka.js';
import { newDataDir, startTestApi, type TestApi } from '../helpers/api.js';

const OPTIONS = { maxPerCaller: 2, pollMs: 50, settleMs: 100, heartbeatMs: 300 };

interface TailSystem {
  k: TestKafka;
  api: TestApi;
  ch: ClickHouseHandle;
  origin: string;
  /** Starts an audit writer (again). */
  startWriter(): Promise<void>;
  /** Stops every running audit writer. */
  stopWriters(): Promise<void>;
  /** While true, every query of the logs API to ClickHouse fails (the writer's inserts still work). */
  readsDown: { on: boolean };
}

async function startTailSystem(t: TestContext): Promise<TailSystem> {
  const k = await useKafka(t);
  const dataDir = await newDataDir(t);
  const ch = await openTestClickHouse('logs_stream', join(dataDir, 'chdb'));
  await migrate(ch, migrations);
  const group = k.unique('audit');
  const writers = new Set<() => Promise<void>>();
  const startWriter = async () => {
    const audit = await startAuditConsumer({ kafka: k.kafka, admin: k.admin, ch, names: k.names, producer: k.producer, log: testLog, groupId: group, fetch: { maxWaitMs: 50 } });
    const stop = async () => {
      if (writers.delete(stop)) await audit.stop();
    };
    writers.add(stop);
  };
  const stopWriters = async () => {
    for (const stop of [...writers]) await stop();
  };
  await startWriter();
  // Registered first, so it runs last: the app (and its streams) and the writers stop before the engine closes.
  t.after(async () => {
    await stopWriters();
    await ch.dispose();
  });
  const readsDown = { on: false };
  const reads = {
    client: new Proxy(ch.client, {
      get(target, prop) {
        if (prop === 'query') {
          return (params: Parameters<typeof target.query>[0]) => (readsDown.on ? Promise.reject(new Error('ClickHouse is down (simulated)')) : target.query(params));
        }
        const v: unknown = Reflect.get(target, prop, target);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    }),
  };
  const api = await startTestApi(t, k, { dataDir, features: [(a) => logsRoutes(a, { ch: reads, log: testLog, stream: OPTIONS })] });
  await api.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = api.app.server.address() as AddressInfo;
  // The API generates the tenant's first signing keys at start, an audited action: wait until its
  // entry is written, so every stream a test opens sees only what the test does.
  await eventually(async () => {
    const logs = (await api.call('GET', '/api/v2/logs?per_page=10', { scope: 'read:logs' })).body as Array<{ description: string }>;
    return logs.some((e) => e.description === 'Generate the application signing keys') ? true : undefined;
  }, 30_000, 'the signing keys entry');
  return { k, api, ch, origin: `http://127.0.0.1:${port}`, startWriter, stopWriters, readsDown };
}

interface Tail {
  conn: SseConnection;
  ids: string[];
  entries: Array<Record<string, unknown>>;
  comments: string[];
  /** Resolves once `n` entries arrived in all. */
  count(n: number, timeoutMs?: number): Promise<void>;
}

async function tail(t: TestContext, s: TailSystem, opts: { q?: string; lastEventId?: string; token?: string } = {}): Promise<Tail> {
  const ids: string[] = [];
  const entries: Array<Record<string, unknown>> = [];
  const comments: string[] = [];
  const url = `${s.origin}/api/v2/logs/stream${opts.q === undefined ? '' : `?q=${encodeURIComponent(opts.q)}`}`;
  const conn = await connectSse(url, {
    token: opts.token ?? (await s.api.token('read:logs')),
    lastEventId: opts.lastEventId,
    handlers: {
      onEvent: (e) => {
        ids.push(e.id!);
        entries.push(JSON.parse(e.data) as Record<string, unknown>);
      },
      onComment: (c) => void comments.push(c),
    },
  });
  t.after(() => conn.close());
  conn.ended.catch(() => undefined);
  return {
    conn, ids, entries, comments,
    count: (n, timeoutMs = 20_000) => eventually(() => (ids.length >= n ? true : undefined), timeoutMs, `${n} entries on the stream (have ${ids.length})`).then(() => undefined),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Long enough for any entry committed so far to have reached a stream (poll + settle, several times over). */
const quiet = () => sleep(OPTIONS.pollMs * 4 + OPTIONS.settleMs * 3);

async function createClient(s: TailSystem, name: string): Promise<string> {
  const res = await s.api.call('POST', '/api/v2/clients', { body: { name } });
  assert.equal(res.status, 201);
  return res.body.client_id as string;
}

describe('live tail (GET /api/v2/logs/stream)', () => {
  it('pushes entries as committed, presented like GET /logs, filtered by q; refuses bad input as Auth0 does', async (t) => {
    const s = await startTailSystem(t);
    const all = await tail(t, s);
    const sapi = await tail(t, s, { q: 'type:sapi', token: await s.api.token('read:logs', { azp: 'other-app' }) });
    assert.equal(all.conn.status, 200);
    const id = await createClient(s, 'Tailed');
    assert.equal((await s.api.call('PATCH', `/api/v2/clients/${id}`, { body: { name: '<bad>' } })).status, 400);
    assert.equal((await s.api.call('PATCH', `/api/v2/clients/${id}`, { body: { description: 'ok' } })).status, 200);
    await all.count(3);
    await sapi.count(2);
    await quiet();
    assert.deepEqual(sapi.entries.map((e) => e.type), ['sapi', 'sapi']);
    assert.deepEqual(all.entries.map((e) => e.type).sort(), ['fapi', 'sapi', 'sapi']);
    assert.equal(all.ids.length, 3, 'nothing twice');
    for (const [i, entry] of all.entries.entries()) {
      assert.equal(entry.log_id, all.ids[i], 'id: is the log_id');
      const one = await s.api.call('GET', `/api/v2/logs/${entry.log_id}`, { scope: 'read:logs' });
      assert.deepEqual(entry, one.body, 'presented exactly as GET /api/v2/logs/{id}');
    }
    assert.ok(all.comments.includes('connected'));

    const refused = async (query: string, scope: string, headers: Record<string, string> = {}) => {
      const res = await fetch(`${s.origin}/api/v2/logs/stream${query}`, { headers: { authorization: `Bearer ${await s.api.token(scope)}`, ...headers } });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const badQ = await refused('?q=type%3A(', 'read:logs');
    assert.equal(badQ.status, 400);
    assert.equal(badQ.body.error, 'Bad Request');
    assert.equal((await refused('', 'read:clients')).status, 403);
    assert.equal((await refused('', 'read:logs', { 'last-event-id': 'nope' })).status, 400);
    assert.equal((await refused('', 'read:logs', { 'last-event-id': '0'.repeat(56) })).body.errorCode, 'invalid_last_event_id');
  });

  it('Last-Event-ID resumes with no gap and no duplicate, at generated disconnect points, while commands flow', async (t) => {
    const s = await startTailSystem(t);
    // Every round starts both readers after the same entry, so they must see the same sequence.
    const first = await tail(t, s);
    await createClient(s, 'anchor');
    await first.count(1);
    first.conn.close();
    let anchor = first.ids[0]!;
    let round = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 5 }), fc.integer({ min: 8, max: 20 }), async (hops, commands) => {
        round++;
        const reference = await tail(t, s, { lastEventId: anchor });
        let hop = await tail(t, s, { lastEventId: anchor });
        const seen: string[] = [];
        const traffic = (async () => {
          for (let i = 0; i < commands; i++) {
            await createClient(s, `hop ${round}.${i}`);
            if (i % 3 === 0) await sleep(30);
          }
        })();
        for (const n of hops) {
          await hop.count(Math.min(n, commands - seen.length), 30_000);
          hop.conn.close();
          await hop.conn.ended;
          seen.push(...hop.ids);
          hop = await tail(t, s, { lastEventId: hop.conn.lastEventId ?? seen.at(-1) ?? anchor });
        }
        await traffic;
        await reference.count(commands, 30_000);
        await quiet();
        const total = reference.ids.length;
        await hop.count(total - seen.length, 30_000);
        await quiet();
        hop.conn.close();
        await hop.conn.ended;
        seen.push(...hop.ids);
        reference.conn.close();
        assert.equal(new Set(seen).size, seen.length, `a duplicate across reconnects (hops ${JSON.stringify(hops)})`);
        assert.deepEqual(seen, reference.ids, `the reconnecting reader saw exactly the reference stream (hops ${JSON.stringify(hops)})`);
        assert.equal(total, commands, 'every entry, once');
        anchor = reference.ids.at(-1)!;
      }),
      { numRuns: 4 },
    );
  });

  it('bounds the streams per caller (429), sends heartbeats, and ends streams on shutdown', async (t) => {
    const s = await startTailSystem(t);
    const token = await s.api.token('read:logs');
    const a = await tail(t, s, { token });
    const b = await tail(t, s, { token });
    const c = await tail(t, s, { token });
    assert.equal(a.conn.status, 200);
    assert.equal(b.conn.status, 200);
    assert.equal(c.conn.status, 429);
    assert.deepEqual(c.conn.errorBody, { statusCode: 429, error: 'Too Many Requests', message: 'Too many log streams open for this caller (at most 2); close one first.', errorCode: 'too_many_requests' });
    assert.ok(c.conn.retryAfterSeconds! > 0);
    assert.equal((await tail(t, s, { token: await s.api.token('read:logs', { azp: 'someone-else' }) })).conn.status, 200, 'another caller has its own count');
    a.conn.close();
    await eventually(async () => {
      const d = await tail(t, s, { token });
      if (d.conn.status === 200) return true;
      return undefined;
    }, 10_000, 'a slot freed by closing a stream');

    await eventually(() => (b.comments.filter((x) => x === 'heartbeat').length >= 2 ? true : undefined), 5_000, 'two heartbeats on an idle stream');

    const started = Date.now();
    await s.api.app.close();
    await b.conn.ended;
    assert.ok(Date.now() - started < 5_000, 'streams end when the app closes');
  });

  it('survives an audit writer restart: entries committed after it arrive on the same stream, none lost or doubled', async (t) => {
    const s = await startTailSystem(t);
    const stream = await tail(t, s);
    await createClient(s, 'before');
    await stream.count(1);
    await s.stopWriters();
    await createClient(s, 'while the writer is down');
    await quiet();
    assert.equal(stream.ids.length, 1, 'nothing committed while the writer is down');
    await s.startWriter();
    await stream.count(2, 40_000);
    await createClient(s, 'after');
    await stream.count(3, 40_000);
    await quiet();
    assert.equal(stream.ids.length, 3);
    // The tenant's first signing keys are generated (and audited) at start, possibly before the
    // stream opened: only the three client creations are this test's.
    const logged = (await s.api.call('GET', '/api/v2/logs?q=type:sapi&per_page=100', { scope: 'read:logs' })).body
      .filter((e: { description: string }) => e.description !== 'Generate the application signing keys')
      .map((e: { log_id: string }) => e.log_id);
    assert.deepEqual([...stream.ids].sort(), [...logged].sort());
    assert.ok(!stream.conn.errorBody);
  });

  it('answers 503 + Retry-After when ClickHouse fails at open, and an open stream rides out the outage', async (t) => {
    const s = await startTailSystem(t);
    const stream = await tail(t, s);
    s.readsDown.on = true;
    const refused = await tail(t, s, { token: await s.api.token('read:logs', { azp: 'late-app' }) });
    assert.equal(refused.conn.status, 503);
    assert.ok(refused.conn.retryAfterSeconds! > 0);
    assert.equal((refused.conn.errorBody as { errorCode: string }).errorCode, 'temporarily_unavailable');
    await createClient(s, 'during the outage');
    await eventually(() => (stream.comments.includes('audit log unavailable; retrying') ? true : undefined), 5_000, 'the outage comment');
    assert.equal(stream.ids.length, 0);
    s.readsDown.on = false;
    await stream.count(1, 20_000);
    await createClient(s, 'after the outage');
    await stream.count(2, 20_000);
    await quiet();
    assert.equal(stream.ids.length, 2);
  });
});
