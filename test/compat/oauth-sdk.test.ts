// Auth0's own SDK (auth0 7.1.0) authenticates to apptrail with a client id and secret: the
// bootstrap client it gets on first start fetches its own token at /oauth/token and manages
// clients; grants narrow what a token may do; a rotated key's tokens verify until it is revoked;
// dynamic registration → token → RFC 7592 read/update/delete; every step in the audit trail
// (ClickHouse). The authorization state is the tenant's own (tenant.events), driven through the
// SDK's resource-server, client-grant, tenant-settings and signing-key calls.
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { ManagementClient } from 'auth0';
import type { ClickHouseHandle } from '../../shared/clickhouse/index.js';
import { useKafka, type TestKafka } from '../helpers/kafka.js';
import { newDataDir } from '../helpers/api.js';
import { refusal, startHttpsApi } from '../helpers/https-api.js';
import { trustingFetch } from '../helpers/tls.js';
import { startAuditWriter } from '../helpers/audit-system.js';
import { bootstrapClientId } from '../../services/api/oauth/bootstrap.js';

const AUDIENCE = 'https://apptrail.test/api/v2/';
const ISSUER = 'https://apptrail.test/';
const ORDERS = 'https://orders.example.com/';
const SECRETS_KEY = Buffer.alloc(32, 7).toString('base64');

async function system(t: TestContext, opts: { k?: TestKafka; env?: Record<string, string>; audit?: boolean } = {}) {
  const k = opts.k ?? (await useKafka(t));
  const dataDir = await newDataDir(t);
  const ch = opts.audit === false ? undefined : await startAuditWriter(t, k, dataDir);
  const printed: string[] = [];
  const api = await startHttpsApi(t, k, {
    dataDir,
    env: { AUTH_AUDIENCE: AUDIENCE, OAUTH_ISSUER: ISSUER, SECRETS_KEY, TENANT_NAME: 'oauth-compat', ...opts.env },
    print: (text) => void printed.push(text),
  });
  const trusting = trustingFetch(t, api.caPem);
  // Bodies read at once: an unread body keeps its request open, and the agent's close would wait for it.
  const fetch = (async (input: Parameters<typeof trusting>[0], init?: Parameters<typeof trusting>[1]) => {
    const res = await trusting(input, init);
    const body = await res.arrayBuffer();
    return new Response(res.status === 204 || body.byteLength === 0 ? null : body, { status: res.status, headers: res.headers });
  }) as typeof trusting;
  const base = `https://${api.domain}`;
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'oauth-compat', ...headers }, body: JSON.stringify(body) });
  const sdk = (clientId: string, clientSecret: string) => new ManagementClient({ domain: api.domain, clientId, clientSecret, audience: AUDIENCE, fetch, maxRetries: 0 });
  /** The SDK with the development HS256 token (every scope). */
  const dev = async () => new ManagementClient({ domain: api.domain, token: await api.token(), fetch, maxRetries: 0 });
  return { k, ch, api, printed, fetch, base, post, sdk, dev };
}

/** The credentials the bootstrap printed. */
function credentialsIn(printed: string[]): { clientId: string; clientSecret: string } {
  const text = printed.join('');
  const clientId = /client_id:\s+(\S+)/.exec(text)?.[1];
  const clientSecret = /client_secret:\s+(\S+)/.exec(text)?.[1];
  assert.ok(clientId && clientSecret, text);
  return { clientId, clientSecret };
}

/** Audit rows matching `where`, once `done` holds of them (or after 20 s, for the assertion to say what is missing). */
async function trail(ch: ClickHouseHandle, where: string, params: Record<string, unknown>, done: (rows: Array<Record<string, string>>) => boolean): Promise<Array<Record<string, string>>> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const rows = await (await ch.client.query({ query: `SELECT type, description, client_id, client_name, audience, scope, target_client_id, details FROM audit_log FINAL WHERE ${where} ORDER BY date`, query_params: params, format: 'JSONEachRow' })).json<Record<string, string>>();
    if (done(rows) || Date.now() > deadline) return rows;
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('auth0 SDK 7.1.0 with clientId/clientSecret → apptrail over HTTPS', () => {
  it('bootstrap client: printed once, the SDK gets its own token and manages clients; grants narrow; rotation and revocation; seccft/feccft in the trail', async (t) => {
    const s = await system(t);
    assert.equal(await s.api.role.bootstrap!(), 'created');
    const { clientId, clientSecret } = credentialsIn(s.printed);
    assert.equal(clientId, bootstrapClientId('oauth-compat'));
    assert.match(s.printed.join(''), /npm run token -- --client-id/);
    assert.equal(await s.api.role.bootstrap!(), 'skipped', 'never twice');
    assert.equal(s.printed.length, 1);

    const admin = s.sdk(clientId, clientSecret);
    const created = await admin.clients.create({ name: 'orders worker', app_type: 'non_interactive', grant_types: ['client_credentials'] });
    const listed = await admin.clients.list();
    assert.ok(listed.data.some((c) => c.client_id === created.client_id));
    await admin.clients.update(created.client_id!, { description: 'reads clients only' });
    assert.equal((await admin.clients.get(created.client_id!)).description, 'reads clients only');

    // Scope narrowing: a client granted read:clients only can list, not create.
    await admin.clientGrants.create({ client_id: created.client_id!, audience: AUDIENCE, scope: ['read:clients'] });
    const reader = s.sdk(created.client_id!, created.client_secret!);
    assert.ok((await reader.clients.list()).data.length >= 2);
    assert.equal((await refusal(reader.clients.create({ name: 'nope' }))).statusCode, 403);

    // A rotated key: the admin's cached token (old key) keeps working until the key is revoked.
    const before = await admin.keys.signing.list();
    const oldKid = before.find((k) => k.current)!.kid!;
    await admin.keys.signing.rotate();
    assert.ok((await admin.clients.list()).data.length >= 2, 'the previous key still verifies');
    const jwks = (await (await s.fetch(`${s.base}/.well-known/jwks.json`)).json()) as { keys: Array<{ kid: string }> };
    assert.ok(jwks.keys.some((k) => k.kid === oldKid), 'the previous key is still published');
    await admin.keys.signing.revoke(oldKid);
    assert.equal((await refusal(admin.clients.list())).statusCode, 401, 'a revoked key stops verifying');
    assert.ok((await s.sdk(clientId, clientSecret).clients.list()).data.length >= 2, 'a fresh token, signed by the new key');

    // A wrong secret: the SDK's token request fails with the OAuth body.
    const wrong = await refusal(s.sdk(clientId, `${clientSecret}x`).clients.list());
    assert.equal(wrong.statusCode, 401);
    assert.deepEqual(wrong.body, { error: 'invalid_client', error_description: 'Client authentication failed' });
    // A secret misplaced in the query string is refused and redacted in the trail like one in the body.
    const misplaced = await s.post(`/oauth/token?client_secret=${encodeURIComponent(clientSecret)}`, { grant_type: 'client_credentials', client_id: clientId, audience: AUDIENCE });
    assert.equal(misplaced.status, 401);

    const ok = await trail(s.ch!, "type = 'seccft' AND client_id = {id:String}", { id: clientId }, (rows) => rows.length >= 2);
    assert.ok(ok.length >= 2, JSON.stringify(ok));
    assert.equal(ok[0]!.audience, AUDIENCE);
    assert.equal(ok[0]!.client_name, 'apptrail admin (bootstrap)');
    assert.match(ok[0]!.scope ?? "", /create:clients/);
    const failed = await trail(s.ch!, "type = 'feccft' AND client_id = {id:String}", { id: clientId }, (rows) => rows.length >= 2);
    assert.equal(failed[0]!.description, 'Client authentication failed');
    const all = JSON.stringify(await trail(s.ch!, "type IN ('seccft', 'feccft')", {}, () => true));
    assert.ok(!all.includes(clientSecret), 'the secret never reaches the trail');
    assert.ok(!/eyJ[A-Za-z0-9_-]+\.eyJ/.test(all), 'no token in the trail');
  });

  it('two instances bootstrapping together create one client', async (t) => {
    const k = await useKafka(t);
    const a = await system(t, { k, audit: false });
    const b = await system(t, { k, audit: false });
    const outcomes = (await Promise.all([a.api.role.bootstrap!(), b.api.role.bootstrap!()])).sort();
    assert.ok(outcomes.filter((o) => o === 'created').length === 1, outcomes.join());
    assert.equal(a.printed.length + b.printed.length, 1);
    const { clientId, clientSecret } = credentialsIn([...a.printed, ...b.printed]);
    assert.ok((await a.sdk(clientId, clientSecret).clients.list()).data.length === 1, 'one client, and its grant works');

    // A client and its grant made through one instance get a token from the other at once: the
    // token endpoint reads what every instance acknowledged before it, as Management API reads do.
    for (let i = 0; i < 5; i++) {
      const admin = await b.dev();
      const m2m = await admin.clients.create({ name: `worker ${i}`, app_type: 'non_interactive', grant_types: ['client_credentials'] });
      await admin.clientGrants.create({ client_id: m2m.client_id!, audience: AUDIENCE, scope: ['read:clients'] });
      assert.ok(Array.isArray((await a.sdk(m2m.client_id!, m2m.client_secret!).clients.list()).data), `worker ${i}: token from the other instance`);
    }
  });

  it('dynamic registration → token → RFC 7592 read, update, delete; the tenant flag and the initial access token; all audited', async (t) => {
    const s = await system(t, { env: { DCR_INITIAL_ACCESS_TOKEN: 'initial-access-token-of-at-least-32-chars' } });
    const iat = { authorization: 'Bearer initial-access-token-of-at-least-32-chars' };
    const registration = { client_name: 'Orders CLI', redirect_uris: ['https://cli.example.com/callback'], grant_types: ['client_credentials', 'authorization_code'], token_endpoint_auth_method: 'client_secret_post' };

    const noToken = await s.post('/oidc/register', registration);
    assert.equal(noToken.status, 401);
    assert.equal((await noToken.json() as { error: string }).error, 'invalid_token');
    const disabled = await s.post('/oidc/register', registration, iat);
    assert.equal(disabled.status, 403);
    assert.equal((await disabled.json() as { error: string }).error, 'access_denied');
    const admin = await s.dev();
    await admin.tenants.settings.update({ flags: { enable_dynamic_client_registration: true } });
    const invalid = await s.post('/oidc/register', { ...registration, redirect_uris: ['not a url'] }, iat);
    assert.equal(invalid.status, 400);
    assert.equal((await invalid.json() as { error: string }).error, 'invalid_redirect_uri');

    const res = await s.post('/oidc/register', registration, iat);
    assert.equal(res.status, 201);
    const reg = (await res.json()) as Record<string, unknown> & { client_id: string; client_secret: string; registration_access_token: string; registration_client_uri: string };
    assert.equal(reg.client_name, 'Orders CLI');
    assert.deepEqual(reg.redirect_uris, registration.redirect_uris);
    assert.equal(reg.client_secret_expires_at, 0);
    assert.equal(reg.token_endpoint_auth_method, 'client_secret_post');
    assert.deepEqual(reg.grant_types, registration.grant_types);
    assert.equal(reg.registration_client_uri, `${ISSUER}oidc/register/${reg.client_id}`);

    // Third-party, as Auth0 registers them (seen through the Management API).
    const bootstrap = await s.api.role.bootstrap!();
    assert.equal(bootstrap, 'skipped', 'a tenant with a registered client is not a first start');
    const adminToken = await s.api.token();
    const viaApi = await s.fetch(`${s.base}/api/v2/clients/${reg.client_id}`, { headers: { authorization: `Bearer ${adminToken}` } });
    assert.equal(((await viaApi.json()) as { is_first_party: boolean }).is_first_party, false);

    // The credentials work at /oauth/token once the client has a grant.
    await admin.resourceServers.create({ identifier: ORDERS, name: 'Orders', scopes: [{ value: 'read:orders' }], token_lifetime: 300 });
    await admin.clientGrants.create({ client_id: reg.client_id, audience: ORDERS, scope: ['read:orders'] });
    const token = await s.fetch(`${s.base}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'client_credentials', client_id: reg.client_id, client_secret: reg.client_secret, audience: ORDERS }).toString() });
    assert.equal(token.status, 200);
    assert.equal(((await token.json()) as { scope: string }).scope, 'read:orders');

    // RFC 7592.
    const own = { authorization: `Bearer ${reg.registration_access_token}` };
    const path = `/oidc/register/${reg.client_id}`;
    const read = await s.fetch(`${s.base}${path}`, { headers: own });
    assert.equal(read.status, 200);
    assert.equal(((await read.json()) as { client_secret: string }).client_secret, reg.client_secret);

    const other = await (await s.post('/oidc/register', { ...registration, client_name: 'Other' }, iat)).json() as { client_id: string; registration_access_token: string };
    const foreign = await s.fetch(`${s.base}${path}`, { headers: { authorization: `Bearer ${other.registration_access_token}` } });
    assert.equal(foreign.status, 401, "another client's registration token is refused");

    const updated = await s.fetch(`${s.base}${path}`, { method: 'PUT', headers: { ...own, 'content-type': 'application/json' }, body: JSON.stringify({ ...registration, client_id: reg.client_id, client_name: 'Orders CLI v2' }) });
    assert.equal(updated.status, 200);
    assert.equal(((await updated.json()) as { client_name: string }).client_name, 'Orders CLI v2');

    const deleted = await s.fetch(`${s.base}${path}`, { method: 'DELETE', headers: own });
    assert.equal(deleted.status, 204);
    assert.equal((await s.fetch(`${s.base}${path}`, { headers: own })).status, 401, "a deleted client's registration token stops working");
    const after = await s.fetch(`${s.base}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ grant_type: 'client_credentials', client_id: reg.client_id, client_secret: reg.client_secret, audience: ORDERS }) });
    assert.equal(after.status, 401, 'a deleted client gets no token');

    const expected = ['sapi Dynamic Client Registration', 'seccft Client Credentials for Access Token', 'mgmt_api_read Read a client registration', 'sapi Update a client registration', 'sapi Delete a client registration', 'fapi Dynamic Client Registration', 'feccft Client authentication failed'];
    const entries = await trail(s.ch!, "target_client_id = {id:String} OR (type = 'fapi' AND startsWith(description, 'Dynamic'))", { id: reg.client_id }, (rows) => expected.every((e) => rows.some((r) => `${r.type} ${r.description}` === e)));
    const seen = entries.map((e) => `${e.type} ${e.description}`);
    for (const e of expected) assert.ok(seen.includes(e), `${e} in ${JSON.stringify(seen)}`);
    const text = JSON.stringify(entries);
    assert.ok(!text.includes(reg.client_secret) && !text.includes(reg.registration_access_token), 'no secret nor registration token in the trail');
  });
});
