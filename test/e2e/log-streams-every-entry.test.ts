// Invariant 11 end to end: every audit entry reaches every active log stream whose filter matches
// it, whatever its type or shape. Real API (clients and log streams), real audit consumer (chDB +
// audit.log), real exporter, a local webhook receiver; every kind of admin action, including the
// ones whose entries have no body (delete, rotate-secret, secret reads, 401/403/415 refusals).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseAuditLogRecord, type AuditEntry } from '../../shared/audit/index.js';
import { eventually, readTopic, useKafka } from '../helpers/kafka.js';
import { startAuditWriter } from '../helpers/audit-system.js';
import { newDataDir, startTestApi } from '../helpers/api.js';
import { startLogStreamsApi } from '../helpers/log-streams-api.js';
import { startTestExporter } from '../helpers/exporter.js';
import { startHttpReceiver } from '../helpers/receivers/index.js';

describe('every entry type reaches every matching log stream', () => {
  it('delivers sapi (create, update, rotate, delete, log streams), mgmt_api_read and fapi (400/401/403/404/415) to the streams that want them; nothing is dead-lettered', async (t) => {
    const k = await useKafka(t);
    const dataDir = await newDataDir(t);
    await startAuditWriter(t, k, dataDir);
    const clients = await startTestApi(t, k, { dataDir });
    const streams = await startLogStreamsApi(t, k, dataDir);
    await startTestExporter(t, k, { dataDir });
    const everything = await startHttpReceiver({ authorization: 'Bearer all', format: 'JSONLINES' });
    const failures = await startHttpReceiver({ authorization: 'Bearer fail', format: 'JSONARRAY' });
    const successes = await startHttpReceiver({ authorization: 'Bearer ok', format: 'JSONOBJECT' });
    t.after(() => Promise.all([everything.close(), failures.close(), successes.close()]));

    const stream = async (r: typeof everything, authorization: string, format: string, filters?: unknown) => {
      const res = await streams.call('POST', '/api/v2/log-streams', {
        body: { type: 'http', sink: { httpEndpoint: `${r.origin}/api/logs`, httpAuthorization: authorization, httpContentFormat: format }, startFrom: 'beginning', ...(filters ? { filters } : {}) },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.id as string;
    };
    const all = await stream(everything, 'Bearer all', 'JSONLINES');
    await stream(failures, 'Bearer fail', 'JSONARRAY', [{ type: 'category', name: 'management.fail' }]);
    await stream(successes, 'Bearer ok', 'JSONOBJECT', [{ type: 'category', name: 'management.success' }]);

    // Every kind of admin action.
    const created = await clients.call('POST', '/api/v2/clients', { body: { name: 'shop', description: 'ünïcødé 🛒' } });
    assert.equal(created.status, 201);
    const id: string = created.body.client_id;
    assert.equal((await clients.call('PATCH', `/api/v2/clients/${id}`, { body: { description: 'v2' } })).status, 200);
    assert.equal((await clients.call('POST', `/api/v2/clients/${id}/rotate-secret`)).status, 200);
    assert.equal((await clients.call('GET', `/api/v2/clients/${id}`, { scope: 'read:client_keys' })).status, 200);
    assert.equal((await clients.call('POST', '/api/v2/clients', { body: { name: '' } })).status, 400);
    assert.equal((await clients.call('DELETE', `/api/v2/clients/${id}`, { token: null })).status, 401);
    assert.equal((await clients.call('DELETE', `/api/v2/clients/${id}`, { scope: 'read:clients' })).status, 403);
    assert.equal((await clients.call('PATCH', '/api/v2/clients/doesnotexist', { body: { name: 'x' } })).status, 404);
    const unsupported = await clients.app.inject({
      method: 'POST', url: '/api/v2/clients', payload: 'name=shop',
      headers: { authorization: `Bearer ${await clients.token()}`, 'content-type': 'application/x-nope' },
    });
    assert.equal(unsupported.statusCode, 415, unsupported.body);
    assert.equal((await clients.call('DELETE', `/api/v2/clients/${id}`)).status, 204);
    assert.equal((await streams.call('PATCH', `/api/v2/log-streams/${all}`, { body: { name: 'everything' } })).status, 200);

    // What the audit service wrote: the whole trail on audit.log.
    const want = 3 /* stream creates */ + 4 /* client sapi */ + 1 /* read */ + 5 /* refusals */ + 1 /* stream update */ + 1 /* the first signing key pair */;
    const trail: AuditEntry[] = (await readTopic(k, k.names.auditLog, { atLeast: want, settleMs: 500 })).map((m) => parseAuditLogRecord(m));
    assert.equal(trail.length, want, trail.map((e) => `${e.type} ${e.details.response.statusCode} ${e.description}`).join('\n'));
    const statuses = (type: string) => trail.filter((e) => e.type === type).map((e) => e.details.response.statusCode).sort();
    assert.deepEqual(statuses('fapi'), [400, 401, 403, 404, 415]);
    assert.deepEqual(statuses('mgmt_api_read'), [200]);
    assert.ok(trail.some((e) => e.description === 'Delete a client' && e.type === 'sapi'));
    assert.ok(trail.some((e) => e.description === 'Generate the application signing keys' && e.type === 'sapi'));
    assert.ok(trail.some((e) => e.type === 'sapi' && e.details.request.path.endsWith('/rotate-secret')));
    assert.ok(trail.some((e) => !('body' in e.details.request)), 'entries without a request body are in the trail');

    const arrived = async (r: typeof everything, entries: AuditEntry[], what: string) => {
      await eventually(() => (entries.every((e) => r.acceptedIds().has(e.log_id)) ? true : undefined), 30_000, `${entries.length} entries at ${what}`);
      // Each arrives as written: same log_id, same content.
      const byId = new Map(r.entries.map((e) => [e.log_id as string, e]));
      for (const e of entries) assert.deepStrictEqual(byId.get(e.log_id), JSON.parse(JSON.stringify(e)));
      assert.equal(r.counts().unique, entries.length, `${what}: nothing else`);
    };
    await arrived(everything, trail, 'the unfiltered stream');
    await arrived(failures, trail.filter((e) => e.type === 'fapi'), 'the management.fail stream');
    await arrived(successes, trail.filter((e) => e.type !== 'fapi'), 'the management.success stream');

    const dead = await readTopic(k, k.names.logStreamDeadLetters);
    assert.deepEqual(dead, [], 'nothing was dead-lettered');
    const health = await streams.call('GET', `/api/v2/log-streams/${all}/health`, { scope: 'read:log_streams' });
    assert.deepEqual(health.body.dead_letters, { count: 0, last: null });
  });
});
