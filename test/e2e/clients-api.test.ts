import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readTopic, useKafka } from '../helpers/kafka.js';
import { newDataDir, startTestApi, type TestApi } from '../helpers/api.js';

async function create(api: TestApi, body: Record<string, unknown> = { name: 'App' }) {
  const res = await api.call('POST', '/api/v2/clients', { body });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body as { client_id: string; client_secret: string } & Record<string, unknown>;
}

describe('Clients API over HTTP on a real broker', () => {
  it('runs the whole lifecycle exactly as Auth0 answers it', async (t) => {
    const k = await useKafka(t);
    const api = await startTestApi(t, k, { dataDir: await newDataDir(t) });
    const created = await create(api, { name: 'Web app', app_type: 'regular_web', callbacks: ['https://a.example.com/cb'] });
    assert.match(created.client_id, /^[A-Za-z0-9]{32}$/);
    assert.match(created.client_secret, /^[A-Za-z0-9_-]{64}$/);
    assert.equal(created.token_endpoint_auth_method, 'client_secret_post');
    assert.deepEqual(created.grant_types, ['implicit', 'authorization_code', 'refresh_token', 'client_credentials']);

    const read = await api.call('GET', `/api/v2/clients/${created.client_id}`);
    assert.equal(read.status, 200);
    assert.deepEqual(read.body, created, 'read-your-writes: the GET right after the 201 sees it');

    const patched = await api.call('PATCH', `/api/v2/clients/${created.client_id}`, { body: { description: 'Now described', web_origins: ['https://a.example.com'] } });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.description, 'Now described');
    assert.equal(patched.body.client_secret, created.client_secret);

    // SDKs post rotate-secret with a JSON content type and no body.
    const rotatedRaw = await api.app.inject({ method: 'POST', url: `/api/v2/clients/${created.client_id}/rotate-secret`, headers: { authorization: `Bearer ${await api.token()}`, 'content-type': 'application/json' } });
    const rotated = { status: rotatedRaw.statusCode, body: JSON.parse(rotatedRaw.body) };
    assert.equal(rotated.status, 200, rotatedRaw.body);
    assert.notEqual(rotated.body.client_secret, created.client_secret);
    assert.equal((await api.call('GET', `/api/v2/clients/${created.client_id}`)).body.client_secret, rotated.body.client_secret);

    const second = await create(api, { name: 'SPA', app_type: 'spa' });
    const list = await api.call('GET', '/api/v2/clients?include_totals=true&fields=client_id,name&per_page=1&page=1');
    assert.deepEqual(list.body, { total: 2, start: 1, limit: 1, clients: [{ client_id: second.client_id, name: 'SPA' }] });
    assert.deepEqual((await api.call('GET', '/api/v2/clients?app_type=spa&fields=name')).body, [{ name: 'SPA' }]);
    assert.deepEqual((await api.call('GET', '/api/v2/clients?is_global=true')).body, []);

    const first = await api.call('GET', '/api/v2/clients?take=1&fields=client_id');
    assert.equal(first.body.clients.length, 1);
    const next = await api.call('GET', `/api/v2/clients?take=1&fields=client_id&from=${first.body.next}`);
    assert.deepEqual(next.body, { clients: [{ client_id: second.client_id }] });

    assert.equal((await api.call('DELETE', `/api/v2/clients/${created.client_id}`)).status, 204);
    const gone = await api.call('GET', `/api/v2/clients/${created.client_id}`);
    assert.deepEqual(gone.body, { statusCode: 404, error: 'Not Found', message: 'The client does not exist', errorCode: 'inexistent_client' });
    assert.equal((await api.call('DELETE', `/api/v2/clients/${created.client_id}`)).status, 404);
    assert.equal((await api.call('PATCH', `/api/v2/clients/${created.client_id}`, { body: { name: 'x' } })).status, 404);
  });

  it('answers each validation rule with Auth0\'s 400 naming the field', async (t) => {
    const k = await useKafka(t);
    const api = await startTestApi(t, k, { dataDir: await newDataDir(t) });
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      ['name missing', {}, /Missing required property: name/],
      ['name with <', { name: 'a<b' }, /property name/],
      ['name empty', { name: '' }, /property name/],
      ['description over 140', { name: 'a', description: 'x'.repeat(141) }, /String is too long \(141 chars\), maximum 140' on property description/],
      ['unknown field', { name: 'a', colour: 'red' }, /Additional properties not allowed: colour/],
      ['callback not a URL', { name: 'a', callbacks: ['not a url'] }, /callbacks/],
      ['initiate_login_uri over http', { name: 'a', initiate_login_uri: 'http://a.example.com/login' }, /initiate_login_uri/],
      ['bad grant type', { name: 'a', grant_types: ['magic'] }, /grant_types/],
      ['bad app_type', { name: 'a', app_type: 'toaster' }, /app_type/],
      ['too many metadata keys', { name: 'a', client_metadata: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, 'v'])) }, /client_metadata/],
      ['metadata value too long', { name: 'a', client_metadata: { k: 'v'.repeat(256) } }, /client_metadata/],
      ['rotating refresh token that never expires', { name: 'a', refresh_token: { rotation_type: 'rotating', expiration_type: 'non-expiring' } }, /refresh_token/],
      ['par_request_expiry below 10', { name: 'a', par_request_expiry: 5 }, /par_request_expiry/],
      ['bad jwt alg', { name: 'a', jwt_configuration: { alg: 'none' } }, /jwt_configuration/],
    ];
    for (const [what, body, message] of cases) {
      const res = await api.call('POST', '/api/v2/clients', { body });
      assert.equal(res.status, 400, `${what}: ${JSON.stringify(res.body)}`);
      assert.deepEqual(Object.keys(res.body).sort(), ['error', 'errorCode', 'message', 'statusCode'], what);
      assert.equal(res.body.error, 'Bad Request', what);
      assert.equal(res.body.errorCode, 'invalid_body', what);
      assert.match(res.body.message, message, what);
    }
    const badJson = await api.app.inject({ method: 'POST', url: '/api/v2/clients', headers: { authorization: `Bearer ${await api.token()}`, 'content-type': 'application/json' }, payload: '{"name":' });
    assert.equal(badJson.statusCode, 400);
    assert.equal(JSON.parse(badJson.body).errorCode, 'invalid_body');
    const emptyJson = await api.app.inject({ method: 'POST', url: '/api/v2/clients', headers: { authorization: `Bearer ${await api.token()}`, 'content-type': 'application/json' }, payload: '' });
    assert.equal(emptyJson.statusCode, 400, 'an empty create body is a missing name, not a parser error');
    assert.match(JSON.parse(emptyJson.body).message, /Payload validation error/);
    const badQuery = await api.call('GET', '/api/v2/clients?per_page=101');
    assert.equal(badQuery.status, 400);
    assert.equal(badQuery.body.errorCode, 'invalid_query_string');
  });

  it('enforces Auth0 scopes on every endpoint (401 without a token, 403 without the scope)', async (t) => {
    const k = await useKafka(t);
    const api = await startTestApi(t, k, { dataDir: await newDataDir(t) });
    const id = (await create(api)).client_id;
    const endpoints: Array<{ method: string; url: string; body?: unknown; scope: string; ok: number }> = [
      { method: 'POST', url: '/api/v2/clients', body: { name: 'x' }, scope: 'create:clients', ok: 201 },
      { method: 'GET', url: '/api/v2/clients', scope: 'read:clients', ok: 200 },
      { method: 'GET', url: `/api/v2/clients/${id}`, scope: 'read:clients', ok: 200 },
      { method: 'PATCH', url: `/api/v2/clients/${id}`, body: { description: 'd' }, scope: 'update:clients', ok: 200 },
      { method: 'PATCH', url: `/api/v2/clients/${id}`, body: { client_secret: 'my-own-secret-value' }, scope: 'update:client_keys', ok: 200 },
      { method: 'POST', url: `/api/v2/clients/${id}/rotate-secret`, scope: 'update:client_keys', ok: 200 },
      { method: 'DELETE', url: `/api/v2/clients/${id}`, scope: 'delete:clients', ok: 204 },
    ];
    for (const e of endpoints) {
      const anon = await api.call(e.method, e.url, { body: e.body, token: null });
      assert.equal(anon.status, 401, `${e.method} ${e.url} without token`);
      assert.equal(anon.body.message, 'Missing authentication');
      const garbage = await api.call(e.method, e.url, { body: e.body, token: 'not.a.jwt' });
      assert.equal(garbage.status, 401);
      assert.equal(garbage.body.message, 'Invalid token');
      const wrong = await api.call(e.method, e.url, { body: e.body, scope: 'read:logs update:clients'.replace(e.scope, '') });
      assert.equal(wrong.status, 403, `${e.method} ${e.url} without ${e.scope}: ${JSON.stringify(wrong.body)}`);
      assert.equal(wrong.body.errorCode, 'insufficient_scope');
      assert.match(wrong.body.message, /^Insufficient scope, expected any of: /);
      const right = await api.call(e.method, e.url, { body: e.body, scope: e.scope });
      assert.equal(right.status, e.ok, `${e.method} ${e.url} with ${e.scope}: ${JSON.stringify(right.body)}`);
    }
    const foreign = await api.token('read:clients', { aud: 'https://someone-else/api/v2/' });
    assert.equal((await api.call('GET', '/api/v2/clients', { token: foreign })).status, 401, 'wrong audience');
  });

  it('shows secrets only with read:client_keys and never writes them in clear to Kafka or the logs', async (t) => {
    const k = await useKafka(t);
    const api = await startTestApi(t, k, { dataDir: await newDataDir(t) });
    const c = await create(api, { name: 'Secretive', encryption_key: { pub: 'PUBLIC-KEY-MATERIAL', cert: 'CERT', subject: 'CN=x' } });
    const custom = 'my-hand-picked-secret-0123456789';
    await api.call('PATCH', `/api/v2/clients/${c.client_id}`, { body: { client_secret: custom } });
    const rotated = (await api.call('POST', `/api/v2/clients/${c.client_id}/rotate-secret`)).body.client_secret as string;

    const reader = await api.call('GET', `/api/v2/clients/${c.client_id}`, { scope: 'read:clients' });
    assert.equal(reader.body.client_secret, undefined);
    assert.equal(reader.body.encryption_key, undefined);
    const keys = await api.call('GET', `/api/v2/clients/${c.client_id}`, { scope: 'read:client_keys' });
    assert.equal(keys.body.client_secret, rotated);
    assert.equal(keys.body.encryption_key.pub, 'PUBLIC-KEY-MATERIAL');
    const summary = await api.call('GET', `/api/v2/clients/${c.client_id}`, { scope: 'read:client_summary' });
    assert.deepEqual(Object.keys(summary.body).sort(), ['app_type', 'client_id', 'name'].filter((f) => f in summary.body).sort());

    const records = await readTopic(k, k.names.clientEvents, { atLeast: 3 });
    const everything = records.map((m) => `${m.key} ${m.value} ${JSON.stringify(m.headers)}`).join('\n') + api.logs.join('\n');
    for (const secret of [c.client_secret, custom, rotated, 'PUBLIC-KEY-MATERIAL']) {
      assert.ok(!everything.includes(secret), `secret ${secret.slice(0, 6)}… leaked into Kafka or logs`);
    }
    assert.ok(records.every((m) => /client_secret_sealed|client\.deleted/.test(String(m.value))), 'secrets travel sealed');
  });

  it('loses none of 100 concurrent PATCHes from two instances, and a late instance serves identical state', async (t) => {
    const k = await useKafka(t);
    const dataDir = await newDataDir(t);
    const a = await startTestApi(t, k, { dataDir });
    const b = await startTestApi(t, k, { dataDir });
    const c = await create(a, { name: 'Contended' });
    await b.projection.catchUp(10_000);
    const fields = ['description', 'logo_uri', 'initiate_login_uri', 'callbacks', 'allowed_origins', 'web_origins', 'allowed_logout_urls', 'client_aliases', 'allowed_clients', 'client_metadata'];
    const valueFor = (field: string, i: number): unknown => {
      if (field === 'description') return `d${i}`;
      if (field === 'logo_uri') return `https://logo.example.com/${i}.png`;
      if (field === 'initiate_login_uri') return `https://login.example.com/${i}`;
      if (field === 'client_metadata') return { n: String(i) };
      if (field === 'client_aliases' || field === 'allowed_clients') return [`alias-${i}`];
      return [`https://app${i}.example.com`];
    };
    const token = await a.token('update:clients');
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => {
        const field = fields[i % fields.length]!;
        return (i % 2 === 0 ? a : b).call('PATCH', `/api/v2/clients/${c.client_id}`, { token, body: { [field]: valueFor(field, i) } });
      }),
    );
    assert.deepEqual(results.map((r) => r.status), Array(100).fill(200), JSON.stringify(results.find((r) => r.status !== 200)?.body));

    // Fold order decides the final value of each field: find the last applied PATCH per field.
    await a.projection.catchUp(10_000);
    const state = a.projection.store.get(c.client_id)!;
    assert.equal(state.version, 101, 'create + 100 applied updates: none lost, none applied twice');
    const config = state.config as Record<string, unknown>;
    for (const field of fields) {
      const candidates = Array.from({ length: 100 }, (_, i) => i).filter((i) => fields[i % fields.length] === field);
      assert.ok(candidates.some((i) => JSON.stringify(valueFor(field, i)) === JSON.stringify(config[field])), `${field} holds one of its PATCHed values`);
    }

    const late = await startTestApi(t, k, { dataDir });
    const fromLate = await late.call('GET', `/api/v2/clients/${c.client_id}`);
    const fromA = await a.call('GET', `/api/v2/clients/${c.client_id}`);
    const fromB = await b.call('GET', `/api/v2/clients/${c.client_id}`);
    assert.deepEqual(fromLate.body, fromA.body);
    assert.deepEqual(fromB.body, fromA.body);
    assert.deepEqual(late.projection.store.get(c.client_id), state, 'replaying the topic gives exactly the live state');
  });
});
