// Every action on the tenant's resources is in the audit trail (chDB rows written by the audit
// consumer from tenant.events and audit.requests): sapi for what took effect, fapi for refusals,
// and no key material in clear in any row.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApi, newDataDir } from '../helpers/api.js';
import { eventually, useKafka } from '../helpers/kafka.js';
import { startAuditWriter } from '../helpers/audit-system.js';

describe('tenant resources in the audit trail', () => {
  it('records successes (sapi, with changes) and refusals (fapi), with private keys redacted', async (t) => {
    const k = await useKafka(t);
    const dataDir = await newDataDir(t);
    const ch = await startAuditWriter(t, k, dataDir);
    const api = await startTestApi(t, k, { dataDir });

    const rs = await api.call('POST', '/api/v2/resource-servers', { scope: 'create:resource_servers', body: { identifier: 'https://audit.example', scopes: [{ value: 'read:x' }] } });
    assert.equal(rs.status, 201);
    assert.equal((await api.call('POST', '/api/v2/resource-servers', { scope: 'create:resource_servers', body: { identifier: 'https://audit.example' } })).status, 409);
    await api.call('PATCH', `/api/v2/resource-servers/${rs.body.id}`, { scope: 'update:resource_servers', body: { name: 'Audited' } });
    const keys = (await api.call('GET', '/api/v2/keys/signing', { scope: 'read:signing_keys' })).body as Array<{ kid: string; current?: boolean }>;
    const first = keys.find((x) => x.current)!.kid;
    assert.equal((await api.call('PUT', `/api/v2/keys/signing/${first}/revoke`, { scope: 'update:signing_keys' })).status, 400);
    assert.equal((await api.call('POST', '/api/v2/keys/signing/rotate', { scope: 'create:signing_keys' })).status, 201);
    assert.equal((await api.call('PUT', `/api/v2/keys/signing/${first}/revoke`, { scope: 'update:signing_keys' })).status, 200);
    await api.call('PATCH', '/api/v2/tenants/settings', { scope: 'update:tenant_settings', body: { flags: { enable_dynamic_client_registration: true } } });
    const pem = api.directory.issuingKey().privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();

    type Row = { type: string; description: string; details: string; raw: string };
    const read = async () => (await ch.client.query({ query: 'SELECT type, description, details, toJSONString(tuple(*)) AS raw FROM audit_log FINAL ORDER BY date', format: 'JSONEachRow' })).json<Row>();
    const rows = await eventually(async () => {
      const r = await read();
      return r.length >= 8 ? r : undefined;
    }, 30_000, 'audit rows').catch(async (err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify((await read()).map((r) => `${r.type} ${r.description}`))}`);
    });
    const seen = rows.map((r) => `${r.type} ${r.description}`);
    for (const expected of [
      'sapi Generate the application signing keys',
      'sapi Create a resource server',
      'fapi Create a resource server',
      'sapi Update a resource server',
      'fapi Revoke an Application Signing Key by its key id',
      'sapi Rotate the Application Signing Key',
      'sapi Revoke an Application Signing Key by its key id',
      'sapi Update tenant settings',
    ]) assert.ok(seen.includes(expected), `${expected} in ${JSON.stringify(seen)}`);
    const update = rows.find((r) => r.type === 'sapi' && r.description === 'Update a resource server')!;
    assert.deepEqual(JSON.parse(update.details).changes, [{ field: 'name', before: 'https://audit.example', after: 'Audited' }]);
    const refused = rows.find((r) => r.type === 'fapi' && r.description.startsWith('Revoke'))!;
    assert.equal(JSON.parse(refused.details).response.statusCode, 400);

    const all = rows.map((r) => r.raw).join('\n');
    assert.ok(!all.includes('PRIVATE KEY'));
    assert.ok(!/v1\.[0-9a-f]{8}\.[A-Za-z0-9_-]{16}\./.test(all), 'no sealed value in the trail either');
    const body = pem.split('\n').slice(1, -2).join('');
    for (let i = 0; i + 40 <= body.length; i += 200) assert.ok(!all.includes(body.slice(i, i + 40)));
  });
});
