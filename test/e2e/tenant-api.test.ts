// The tenant's authorization state over HTTP (in-process Fastify, real broker): resource servers,
// client grants, tenant settings and signing keys with Auth0's shapes, scopes and errors; the
// AuthorizationDirectory the token endpoint reads; no private key in clear on tenant.events.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SignJWT, createLocalJWKSet, importJWK, jwtVerify } from 'jose';
import { startTestApi, newDataDir } from '../helpers/api.js';
import { readTopic, useKafka } from '../helpers/kafka.js';
import { startApiRole } from '../../services/api/role.js';
import { loadConfig } from '../../shared/config/index.js';
import { createLogger } from '../../shared/log/index.js';
import { createShutdown } from '../../shared/lifecycle/index.js';

describe('tenant authorization state over HTTP', () => {
  it('resource servers, client grants and settings: Auth0 shapes, scopes and errors; the directory follows them', async (t) => {
    const k = await useKafka(t);
    const dataDir = await newDataDir(t);
    const api = await startTestApi(t, k, { dataDir });
    const system = api.config.AUTH_AUDIENCE;

    // The Management API is there from the start, built in.
    const listed = await api.call('GET', '/api/v2/resource-servers', { scope: 'read:resource_servers' });
    assert.equal(listed.status, 200);
    assert.equal(listed.body.length, 1);
    assert.equal(listed.body[0].identifier, system);
    assert.equal(listed.body[0].is_system, true);
    assert.ok(listed.body[0].scopes.some((s: { value: string }) => s.value === 'read:resource_servers'));
    assert.equal((await api.call('DELETE', `/api/v2/resource-servers/${listed.body[0].id}`, { scope: 'delete:resource_servers' })).status, 400);
    assert.equal((await api.call('GET', '/api/v2/resource-servers', { scope: 'read:clients' })).status, 403);

    const bad = await api.call('POST', '/api/v2/resource-servers', { scope: 'create:resource_servers', body: { identifier: 'https://orders.example', signing_alg: 'HS256' } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error, 'Bad Request');
    assert.match(bad.body.message, /signing_alg/);
    assert.equal((await api.call('POST', '/api/v2/resource-servers', { scope: 'create:resource_servers', body: { identifier: system } })).status, 409);

    const created = await api.call('POST', '/api/v2/resource-servers', {
      scope: 'create:resource_servers',
      body: { identifier: 'https://orders.example', name: 'Orders', scopes: [{ value: 'read:orders', description: 'Read' }, { value: 'write:orders' }] },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.token_lifetime, 86400);
    assert.equal(created.body.signing_alg, 'RS256');
    assert.equal(created.body.is_system, false);
    const rsId: string = created.body.id;
    const dup = await api.call('POST', '/api/v2/resource-servers', { scope: 'create:resource_servers', body: { identifier: 'https://orders.example' } });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.statusCode, 409);
    const immut = await api.call('PATCH', `/api/v2/resource-servers/${rsId}`, { scope: 'update:resource_servers', body: { identifier: 'https://other' } });
    assert.equal(immut.status, 400);
    const patched = await api.call('PATCH', `/api/v2/resource-servers/${rsId}`, { scope: 'update:resource_servers', body: { token_lifetime: 600 } });
    assert.equal(patched.body.token_lifetime, 600);
    assert.equal((await api.call('PATCH', '/api/v2/resource-servers/nope', { scope: 'update:resource_servers', body: { name: 'x' } })).status, 404);
    const totals = await api.call('GET', '/api/v2/resource-servers?include_totals=true&per_page=1&page=1', { scope: 'read:resource_servers' });
    assert.deepEqual({ total: totals.body.total, start: totals.body.start, limit: totals.body.limit, ids: totals.body.resource_servers.map((r: { id: string }) => r.id) }, { total: 2, start: 1, limit: 1, ids: [rsId] });

    const client = await api.call('POST', '/api/v2/clients', { scope: 'create:clients', body: { name: 'worker', app_type: 'non_interactive' } });
    const clientId: string = client.body.client_id;
    const grantBody = { client_id: clientId, audience: 'https://orders.example', scope: ['read:orders'] };
    assert.equal((await api.call('POST', '/api/v2/client-grants', { scope: 'create:client_grants', body: { ...grantBody, client_id: 'nobody' } })).status, 404);
    assert.equal((await api.call('POST', '/api/v2/client-grants', { scope: 'create:client_grants', body: { ...grantBody, audience: 'https://none' } })).status, 404);
    assert.equal((await api.call('POST', '/api/v2/client-grants', { scope: 'create:client_grants', body: { ...grantBody, scope: ['delete:everything'] } })).status, 400);
    assert.equal((await api.call('POST', '/api/v2/client-grants', { scope: 'read:client_grants', body: grantBody })).status, 403);
    const grant = await api.call('POST', '/api/v2/client-grants', { scope: 'create:client_grants', body: grantBody });
    assert.equal(grant.status, 201, JSON.stringify(grant.body));
    assert.match(grant.body.id, /^cgr_/);
    assert.equal((await api.call('POST', '/api/v2/client-grants', { scope: 'create:client_grants', body: grantBody })).status, 409);
    const mgmt = await api.call('POST', '/api/v2/client-grants', { scope: 'create:client_grants', body: { client_id: clientId, audience: system, scope: ['read:clients'] } });
    assert.equal(mgmt.status, 201);
    const upd = await api.call('PATCH', `/api/v2/client-grants/${grant.body.id}`, { scope: 'update:client_grants', body: { scope: ['read:orders', 'write:orders'] } });
    assert.deepEqual(upd.body.scope, ['read:orders', 'write:orders']);
    const filtered = await api.call('GET', `/api/v2/client-grants?audience=${encodeURIComponent('https://orders.example')}`, { scope: 'read:client_grants' });
    assert.deepEqual(filtered.body.map((g: { id: string }) => g.id), [grant.body.id]);
    const one = await api.call('GET', `/api/v2/client-grants/${grant.body.id}`, { scope: 'read:client_grants' });
    assert.deepEqual(one.body, upd.body);
    assert.equal((await api.call('GET', `/api/v2/client-grants/${grant.body.id}`, { scope: 'read:clients' })).status, 403);

    // The port the token endpoint reads.
    const dir = api.directory;
    assert.deepEqual(dir.grant(clientId, 'https://orders.example')?.scope, ['read:orders', 'write:orders']);
    assert.equal(dir.resourceServer('https://orders.example')?.token_lifetime, 600);
    assert.equal(dir.resourceServer(system)?.is_system, true);
    // Deleting the client voids its grants; deleting and re-creating the API does not revive old grants.
    await api.call('DELETE', `/api/v2/clients/${clientId}`, { scope: 'delete:clients' });
    assert.equal(dir.grant(clientId, 'https://orders.example'), undefined);
    assert.deepEqual((await api.call('GET', '/api/v2/client-grants', { scope: 'read:client_grants' })).body, []);
    assert.equal((await api.call('GET', `/api/v2/client-grants/${grant.body.id}`, { scope: 'read:client_grants' })).status, 404, 'a deleted client\'s grant is gone');

    const c2 = (await api.call('POST', '/api/v2/clients', { scope: 'create:clients', body: { name: 'w2', app_type: 'non_interactive' } })).body.client_id as string;
    await api.call('POST', '/api/v2/client-grants', { scope: 'create:client_grants', body: { client_id: c2, audience: 'https://orders.example', scope: ['read:orders'] } });
    assert.ok(dir.grant(c2, 'https://orders.example'));
    assert.equal((await api.call('DELETE', `/api/v2/resource-servers/${rsId}`, { scope: 'delete:resource_servers' })).status, 204);
    assert.equal(dir.grant(c2, 'https://orders.example'), undefined);
    await api.call('POST', '/api/v2/resource-servers', { scope: 'create:resource_servers', body: { identifier: 'https://orders.example', scopes: [{ value: 'read:orders' }] } });
    assert.equal(dir.grant(c2, 'https://orders.example'), undefined, 'an old grant does not come back with a re-created API');
    const again = await api.call('POST', '/api/v2/client-grants', { scope: 'create:client_grants', body: { client_id: c2, audience: 'https://orders.example', scope: ['read:orders'] } });
    assert.equal(again.status, 201, JSON.stringify(again.body));
    assert.deepEqual(dir.grant(c2, 'https://orders.example')?.scope, ['read:orders']);

    // Tenant settings: Auth0's flags object.
    assert.deepEqual((await api.call('GET', '/api/v2/tenants/settings', { scope: 'read:tenant_settings' })).body, { flags: { enable_dynamic_client_registration: false } });
    assert.equal((await api.call('PATCH', '/api/v2/tenants/settings', { scope: 'update:tenant_settings', body: { flags: { enable_sso: true } } })).status, 400);
    assert.equal((await api.call('PATCH', '/api/v2/tenants/settings', { scope: 'read:tenant_settings', body: { flags: { enable_dynamic_client_registration: true } } })).status, 403);
    const set = await api.call('PATCH', '/api/v2/tenants/settings', { scope: 'update:tenant_settings', body: { flags: { enable_dynamic_client_registration: true }, friendly_name: 'Acme' } });
    assert.deepEqual(set.body, { friendly_name: 'Acme', flags: { enable_dynamic_client_registration: true } });
    assert.equal(dir.settings().enable_dynamic_client_registration, true);
  });

  it('signing keys: rotate keeps the previous key published until revoked; the current one cannot be revoked; private keys never in clear on the topic', async (t) => {
    const k = await useKafka(t);
    const dataDir = await newDataDir(t);
    const api = await startTestApi(t, k, { dataDir });
    const dir = api.directory;
    const list = async () => (await api.call('GET', '/api/v2/keys/signing', { scope: 'read:signing_keys' })).body as Array<Record<string, unknown>>;
    const first = await list();
    assert.equal(first.length, 2);
    const current = first.find((x) => x.current)!;
    const next = first.find((x) => x.next)!;
    assert.match(String(current.cert), /BEGIN CERTIFICATE/);
    assert.match(String(current.pkcs7), /BEGIN PKCS7/);
    assert.match(String(current.fingerprint), /^([0-9A-F]{2}:){19}[0-9A-F]{2}$/);
    assert.ok(current.current_since);
    assert.equal(dir.issuingKey().kid, current.kid);

    // A token signed by the current key verifies against the published keys.
    const sign = () => new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: dir.issuingKey().kid }).setIssuedAt().sign(dir.issuingKey().privateKey);
    const old = await sign();
    const bad = await api.call('PUT', `/api/v2/keys/signing/${String(current.kid)}/revoke`, { scope: 'update:signing_keys' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error, 'Bad Request');
    assert.equal((await api.call('POST', '/api/v2/keys/signing/rotate', { scope: 'read:signing_keys' })).status, 403);
    const rotated = await api.call('POST', '/api/v2/keys/signing/rotate', { scope: 'create:signing_keys' });
    assert.equal(rotated.status, 201);
    const after = await list();
    assert.equal(after.length, 3);
    assert.equal(after.find((x) => x.current)!.kid, next.kid);
    assert.equal(after.find((x) => x.next)!.kid, rotated.body.kid);
    const prev = after.find((x) => x.kid === current.kid)!;
    assert.equal(prev.previous, true);
    assert.ok(prev.current_until);
    assert.equal(dir.issuingKey().kid, next.kid);
    await jwtVerify(old, createLocalJWKSet(dir.publishedKeys()));
    await jwtVerify(await sign(), createLocalJWKSet(dir.publishedKeys()));

    // Every client shows the tenant's current signing certificate, as Auth0 does.
    const shown = await api.call('POST', '/api/v2/clients', { body: { name: 'shows-keys' } });
    assert.equal(shown.body.signing_keys.length, 1);
    assert.equal(shown.body.signing_keys[0].cert, after.find((x) => x.current)!.cert);

    const revoked = await api.call('PUT', `/api/v2/keys/signing/${String(current.kid)}/revoke`, { scope: 'update:signing_keys' });
    assert.equal(revoked.status, 200);
    assert.equal(revoked.body.kid, current.kid);
    await assert.rejects(jwtVerify(old, createLocalJWKSet(dir.publishedKeys())));
    assert.equal(dir.publishedKeys().keys.length, 2);
    const one = await api.call('GET', `/api/v2/keys/signing/${String(current.kid)}`, { scope: 'read:signing_keys' });
    assert.equal(one.body.revoked, true);
    assert.ok(one.body.revoked_at);
    assert.equal((await api.call('GET', '/api/v2/keys/signing/nope', { scope: 'read:signing_keys' })).status, 404);

    // The raw bytes of tenant.events carry no private key, only sealed ones.
    const raw = (await readTopic(k, k.names.tenantEvents, { atLeast: 3 })).map((m) => m.value!.toString('utf8')).join('\n');
    assert.ok(!raw.includes('PRIVATE KEY'), 'no PEM private key on the topic');
    const pem = dir.issuingKey().privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const body = pem.split('\n').slice(1, -2).join('');
    for (let i = 0; i + 40 <= body.length; i += 200) assert.ok(!raw.includes(body.slice(i, i + 40)), 'no piece of the private key in clear');
    assert.match(raw, /private_key_sealed":"v1\./);
    assert.ok(createPrivateKey(pem));
  });

  it('SIGNING_KEY_FILE gives the first signing key', async (t) => {
    const k = await useKafka(t);
    const dataDir = await newDataDir(t);
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const file = join(dataDir, 'given.pem');
    await writeFile(file, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
    const api = await startTestApi(t, k, { dataDir, env: { SIGNING_KEY_FILE: file } });
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'RS256' }).sign(privateKey);
    // The given key is the current one: a token it signed verifies with the published key of that kid.
    const current = api.directory.publishedKeys().keys.find((x) => x.kid === api.directory.issuingKey().kid)!;
    await jwtVerify(token, await importJWK(current, 'RS256'));
  });

  it('two instances starting at once on an empty topic agree on one key pair', async (t) => {
    const k = await useKafka(t);
    const dataDir = await newDataDir(t);
    const start = async () => {
      const config = loadConfig({ DATA_DIR: dataDir, KAFKA_TOPIC_PREFIX: k.prefix, KAFKA_PARTITIONS: '3' });
      const log = createLogger({ level: 'silent', name: 'race' });
      const shutdown = createShutdown(log, 10_000);
      t.after(() => shutdown.shutdown('done'));
      return startApiRole({ config, kafka: k.kafka, admin: k.admin, names: k.names, log, shutdown });
    };
    const [a, b] = await Promise.all([start(), start()]);
    assert.equal(a.directory.issuingKey().kid, b.directory.issuingKey().kid);
    const events = await readTopic(k, k.names.tenantEvents, { atLeast: 1, settleMs: 500 });
    const initialised = events.filter((m) => m.value!.toString().includes('signing_keys.initialised'));
    assert.ok(initialised.length >= 1 && initialised.length <= 2);
  });
});
