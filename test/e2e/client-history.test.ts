// Client history over HTTP: the API on a real broker, the projector writing client_versions into
// chDB, and GET /clients/{id}/versions and ?as_of= read from it.
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { migrate, type ClickHouseHandle } from '../../shared/clickhouse/index.js';
import { openTestClickHouse } from '../helpers/clickhouse-target.js';
import { migrations } from '../../shared/migrations/index.js';
import { startProjector } from '../../services/projector/index.js';
import { eventually, testLog, useKafka, type TestKafka } from '../helpers/kafka.js';
import { newDataDir, startTestApi, type TestApi } from '../helpers/api.js';

async function startHistorySystem(t: TestContext): Promise<{ k: TestKafka; api: TestApi; ch: ClickHouseHandle }> {
  const k = await useKafka(t);
  const dataDir = await newDataDir(t);
  const ch = await openTestClickHouse('client_history', join(dataDir, 'chdb'));
  await migrate(ch, migrations);
  const projector = await startProjector({ kafka: k.kafka, ch, topics: k.names, producer: k.producer, log: testLog, groupId: k.unique('projector') });
  t.after(async () => {
    await projector.stop();
    await ch.dispose();
  });
  const api = await startTestApi(t, k, { dataDir, ch });
  return { k, api, ch };
}

/** The projector trails the API: wait until it wrote `n` versions of the client. */
async function versionsWritten(api: TestApi, id: string, n: number) {
  return eventually(async () => {
    const res = await api.call('GET', `/api/v2/clients/${id}/versions?include_totals=true`, { scope: 'read:clients' });
    return res.status === 200 && res.body.total === n ? res.body : undefined;
  }, 30_000, `${n} versions of ${id}`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('client history over HTTP', () => {
  it('create → patch ×2 → rotate → delete: versions, as_of by version and by time, 404 and 400', async (t) => {
    const { api } = await startHistorySystem(t);
    const created = await api.call('POST', '/api/v2/clients', { body: { name: 'History app', app_type: 'spa', callbacks: ['https://h.example.com/cb'] } });
    assert.equal(created.status, 201);
    const id = created.body.client_id as string;
    const times: string[] = [];
    const mark = async () => {
      // Event times have millisecond resolution: keep a clear gap on each side of the mark.
      await sleep(20);
      times.push(new Date().toISOString());
      await sleep(20);
    };
    await mark(); // after v1
    assert.equal((await api.call('PATCH', `/api/v2/clients/${id}`, { body: { description: 'first' } })).status, 200);
    await mark(); // after v2
    assert.equal((await api.call('PATCH', `/api/v2/clients/${id}`, { body: { name: 'History app 2', description: 'second' } })).status, 200);
    await mark(); // after v3
    const rotated = await api.call('POST', `/api/v2/clients/${id}/rotate-secret`);
    assert.equal(rotated.status, 200);
    await mark(); // after v4
    assert.equal((await api.call('DELETE', `/api/v2/clients/${id}`)).status, 204);
    await mark(); // after v5

    const all = await versionsWritten(api, id, 5);
    assert.deepEqual(all.start, 0);
    const versions = all.versions as Array<{ version: number; type: string; date: string; deleted: boolean; actor: Record<string, string>; changes: Array<{ field: string; before?: unknown; after?: unknown }> }>;
    assert.deepEqual(versions.map((v) => [v.version, v.type, v.deleted]), [
      [1, 'client.created', false], [2, 'client.updated', false], [3, 'client.updated', false], [4, 'client.secret_rotated', false], [5, 'client.deleted', true],
    ]);
    assert.deepEqual(versions[0]!.actor, { user_id: 'auth0|test-admin', client_id: 'test-app', name: 'Test Admin', request_id: versions[0]!.actor.request_id });
    assert.deepEqual(versions[1]!.changes, [{ field: 'description', after: 'first' }]);
    assert.deepEqual(versions[2]!.changes, [{ field: 'description', before: 'first', after: 'second' }, { field: 'name', before: 'History app', after: 'History app 2' }]);
    assert.deepEqual(versions[3]!.changes, [{ field: 'client_secret', before: 'REDACTED', after: 'REDACTED' }]);
    const text = JSON.stringify(all);
    assert.ok(!text.includes(created.body.client_secret) && !text.includes(rotated.body.client_secret), 'no secret in clear in the history');
    for (let i = 1; i < versions.length; i++) assert.ok(versions[i]!.date >= versions[i - 1]!.date);

    // Paging, Auth0 style and by checkpoint.
    const page = await api.call('GET', `/api/v2/clients/${id}/versions?per_page=2&page=1`, { scope: 'read:clients' });
    assert.deepEqual(page.body.map((v: { version: number }) => v.version), [3, 4]);
    const first = await api.call('GET', `/api/v2/clients/${id}/versions?take=3`, { scope: 'read:clients' });
    assert.equal(first.body.next, '3');
    const rest = await api.call('GET', `/api/v2/clients/${id}/versions?take=3&from=${first.body.next}`, { scope: 'read:clients' });
    assert.deepEqual(rest.body.versions.map((v: { version: number }) => v.version), [4, 5]);
    assert.equal(rest.body.next, undefined);

    // as_of a version: presented as GET /clients/{id} presents it, secrets with read:client_keys only.
    const v1 = await api.call('GET', `/api/v2/clients/${id}?as_of=1`, { scope: 'read:clients read:client_keys' });
    assert.equal(v1.status, 200);
    assert.deepEqual(v1.body, created.body, 'version 1 is the client as created, its first secret included');
    const v3 = await api.call('GET', `/api/v2/clients/${id}?as_of=3&fields=name,description`, { scope: 'read:clients' });
    assert.deepEqual(v3.body, { name: 'History app 2', description: 'second' });
    const v4 = await api.call('GET', `/api/v2/clients/${id}?as_of=4`, { scope: 'read:clients' });
    assert.equal(v4.body.client_secret, undefined, 'no secret without read:client_keys');
    assert.equal((await api.call('GET', `/api/v2/clients/${id}?as_of=4`, { scope: 'read:client_keys' })).body.client_secret, rotated.body.client_secret);

    // as_of a time: the greatest version at or before it; deleted or not yet created: 404.
    for (const [i, expected] of [[0, 1], [1, 2], [2, 3], [3, 4]] as const) {
      const at = await api.call('GET', `/api/v2/clients/${id}?as_of=${encodeURIComponent(times[i]!)}&fields=name,description`, { scope: 'read:clients' });
      assert.equal(at.status, 200, `as_of ${times[i]}`);
      const want = (await api.call('GET', `/api/v2/clients/${id}?as_of=${expected}&fields=name,description`, { scope: 'read:clients' })).body;
      assert.deepEqual(at.body, want, `as_of ${times[i]} = version ${expected}`);
    }
    const notFound = { statusCode: 404, error: 'Not Found', message: 'The client does not exist', errorCode: 'inexistent_client' };
    assert.deepEqual((await api.call('GET', `/api/v2/clients/${id}?as_of=${encodeURIComponent(times[4]!)}`)).body, notFound, 'after the delete');
    assert.deepEqual((await api.call('GET', `/api/v2/clients/${id}?as_of=2000-01-01T00:00:00Z`)).body, notFound, 'before the create');
    assert.deepEqual((await api.call('GET', `/api/v2/clients/${id}?as_of=5`)).body, notFound, 'the delete itself');
    assert.deepEqual((await api.call('GET', `/api/v2/clients/${id}?as_of=6`)).body, notFound, 'a version it never had');
    assert.equal((await api.call('GET', `/api/v2/clients/${id}`)).status, 404, 'today it is deleted');

    // Unknown clients, bad as_of, scopes.
    assert.deepEqual((await api.call('GET', '/api/v2/clients/no-such-client/versions')).body, notFound);
    assert.deepEqual((await api.call('GET', '/api/v2/clients/no-such-client?as_of=1')).body, notFound);
    for (const bad of ['yesterday', '0', '2026-01-01', '1.5']) {
      const res = await api.call('GET', `/api/v2/clients/${id}?as_of=${encodeURIComponent(bad)}`);
      assert.equal(res.status, 400, bad);
      assert.equal(res.body.error, 'Bad Request');
      assert.equal(res.body.errorCode, 'invalid_query_string', JSON.stringify(res.body));
      assert.match(res.body.message, /as_of/);
    }
    assert.equal((await api.call('GET', `/api/v2/clients/${id}/versions?per_page=101`)).status, 400);
    assert.equal((await api.call('GET', `/api/v2/clients/${id}/versions`, { scope: 'read:client_summary' })).status, 403);
    assert.equal((await api.call('GET', `/api/v2/clients/${id}/versions`, { token: null })).status, 401);
  });

  it('answers 503 with Retry-After while ClickHouse fails', async (t) => {
    const k = await useKafka(t);
    const failing = { client: { query: () => Promise.reject(new Error('ClickHouse is down (simulated)')) } } as unknown as Pick<ClickHouseHandle, 'client'>;
    const api = await startTestApi(t, k, { dataDir: await newDataDir(t), ch: failing });
    const created = await api.call('POST', '/api/v2/clients', { body: { name: 'Outage' } });
    for (const url of [`/api/v2/clients/${created.body.client_id}/versions`, `/api/v2/clients/${created.body.client_id}?as_of=1`]) {
      const res = await api.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${await api.token()}` } });
      assert.equal(res.statusCode, 503, url);
      assert.ok(Number(res.headers['retry-after']) > 0);
      assert.equal(JSON.parse(res.body).errorCode, 'temporarily_unavailable');
    }
    // The current state does not need ClickHouse.
    assert.equal((await api.call('GET', `/api/v2/clients/${created.body.client_id}`)).status, 200);
  });
});
