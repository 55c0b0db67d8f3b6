// /api/v2/log-streams over HTTP (in-process Fastify) with a running exporter and a local Splunk
// HEC receiver: Auth0's shapes and scopes, secrets never shown or written in clear, health.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { entryFromLogStreamEvent, entryFromRequestRecord, parseRequestRecord } from '../../shared/audit/index.js';
import { LogStreamStore, parseLogStreamEventRecord } from '../../shared/log-streams/index.js';
import { eventually, readTopic, useKafka } from '../helpers/kafka.js';
import { startLogStreamsApi } from '../helpers/log-streams-api.js';
import { newDataDir } from '../helpers/api.js';
import { auditEntries, publish, startTestExporter } from '../helpers/exporter.js';
import { startSplunkReceiver } from '../helpers/receivers/index.js';

describe('Log streams API over HTTP', () => {
  it('creates, reads, updates, pauses, resumes and deletes a Splunk stream as Auth0 does, with health and no secret in clear', async (t) => {
    const k = await useKafka(t);
    const dataDir = await newDataDir(t);
    const splunk = await startSplunkReceiver({ token: 'hec-e2e-token' });
    t.after(() => splunk.close());
    const api = await startLogStreamsApi(t, k, dataDir);
    const ex = await startTestExporter(t, k, { dataDir });
    const sink = { splunkDomain: '127.0.0.1', splunkPort: String(splunk.port), splunkToken: 'hec-e2e-token', splunkSecure: true };

    // Validation and scopes first: nothing may be created by these.
    const bad = await api.call('POST', '/api/v2/log-streams', { body: { type: 'splunk', sink: { ...sink, splunkToken: 'hec e2e token' } } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.errorCode, 'invalid_body');
    assert.match(bad.body.message, /splunkToken/);
    assert.ok(!bad.body.message.includes('hec e2e'), 'the refused token is not echoed');
    const unknown = await api.call('POST', '/api/v2/log-streams', { body: { type: 'eventbridge', sink: {} } });
    assert.equal(unknown.status, 400);
    const denied = await api.call('POST', '/api/v2/log-streams', { scope: 'read:log_streams', body: { type: 'splunk', sink } });
    assert.deepEqual(denied.body, { statusCode: 403, error: 'Forbidden', message: 'Insufficient scope, expected any of: create:log_streams', errorCode: 'insufficient_scope' });
    assert.equal((await api.call('GET', '/api/v2/log-streams', { scope: 'create:log_streams' })).status, 403);

    splunk.failNext([{ status: 503 }]);
    const created = await api.call('POST', '/api/v2/log-streams', { scope: 'create:log_streams', body: { name: 'SIEM', type: 'splunk', sink, startFrom: 'beginning' } });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const id: string = created.body.id;
    assert.match(id, /^lst_[0-9]{16}$/);
    assert.deepEqual(created.body, {
      id, name: 'SIEM', type: 'splunk', status: 'active', isPriority: false,
      sink: { splunkDomain: '127.0.0.1', splunkPort: String(splunk.port), splunkSecure: true },
    });
    assert.deepEqual((await api.call('GET', '/api/v2/log-streams', { scope: 'read:log_streams' })).body, [created.body]);
    assert.deepEqual((await api.call('GET', `/api/v2/log-streams/${id}`, { scope: 'read:log_streams' })).body, created.body);

    const first = await publish(k, auditEntries(20));
    await eventually(() => (first.every((log) => splunk.acceptedIds().has(log)) ? true : undefined), 20_000, 'first entries at Splunk');
    const healthy = await eventually(async () => {
      const h = await api.call('GET', `/api/v2/log-streams/${id}/health`, { scope: 'read:log_streams' });
      return h.body.last_success_at !== null && h.body.lag === 0 && h.body.last_error !== null ? h.body : undefined;
    }, 20_000, 'health with a success and the scripted error');
    assert.equal(healthy.status, 'active');
    assert.equal(healthy.last_error.status, 503);
    assert.equal(healthy.failing_since, null);

    // Moving the destination (or how it is reached) without giving the token again is refused: the
    // token never follows a stream to a new host. Nothing changes, the answer does not quote it.
    for (const move of [{ splunkDomain: 'localhost' }, { splunkPort: '1' }, { splunkSecure: false }]) {
      const stolen = await api.call('PATCH', `/api/v2/log-streams/${id}`, { scope: 'update:log_streams', body: { name: 'moved', sink: move } });
      assert.equal(stolen.status, 400, JSON.stringify(stolen.body));
      assert.deepEqual(stolen.body, {
        statusCode: 400, error: 'Bad Request', errorCode: 'invalid_body',
        message: `Payload validation error: 'Missing required property: splunkToken' on property sink (the credential must be given again when ${Object.keys(move)[0]} changes; it is never carried over to a new destination).`,
      });
    }
    // A type change is no way around it: the type of a stream cannot change.
    const retyped = await api.call('PATCH', `/api/v2/log-streams/${id}`, { scope: 'update:log_streams', body: { type: 'http', sink: { httpEndpoint: 'https://attacker.example.net/' } } });
    assert.equal(retyped.status, 400);
    assert.equal((await api.call('GET', `/api/v2/log-streams/${id}`, { scope: 'read:log_streams' })).body.name, 'SIEM', 'nothing changed');

    // With the token, the same change goes through and the stream goes on delivering.
    const patched = await api.call('PATCH', `/api/v2/log-streams/${id}`, { scope: 'update:log_streams', body: { name: 'SIEM (prod)', sink: { splunkSecure: false, splunkToken: 'hec-e2e-token' } } });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal(patched.body.name, 'SIEM (prod)');
    assert.deepEqual(patched.body.sink, { splunkDomain: '127.0.0.1', splunkPort: String(splunk.port), splunkSecure: false });

    const paused = await api.call('PATCH', `/api/v2/log-streams/${id}`, { scope: 'update:log_streams', body: { status: 'paused' } });
    assert.equal(paused.body.status, 'paused');
    await ex.running(id, false);
    const queued = await publish(k, auditEntries(7));
    const lagging = await api.call('GET', `/api/v2/log-streams/${id}/health`, { scope: 'read:log_streams' });
    assert.equal(lagging.body.lag, 7, 'a paused stream keeps its place; what arrives queues');

    assert.equal((await api.call('PATCH', `/api/v2/log-streams/${id}`, { scope: 'update:log_streams', body: { status: 'suspended' } })).status, 400);
    assert.equal((await api.call('PATCH', `/api/v2/log-streams/${id}`, { scope: 'update:log_streams', body: { status: 'active' } })).body.status, 'active');
    await eventually(() => (queued.every((log) => splunk.acceptedIds().has(log)) ? true : undefined), 20_000, 'queued entries at Splunk');
    await eventually(async () => ((await api.call('GET', `/api/v2/log-streams/${id}/health`, { scope: 'read:log_streams' })).body.lag === 0 ? true : undefined), 20_000, 'lag back to 0');

    const events = await readTopic(k, k.names.logStreamEvents);
    assert.ok(events.length >= 4);
    for (const m of events) assert.ok(!m.value?.toString().includes('hec-e2e-token'), 'the token is sealed on Kafka');

    assert.equal((await api.call('DELETE', `/api/v2/log-streams/${id}`, { scope: 'read:log_streams' })).status, 403);
    assert.equal((await api.call('DELETE', `/api/v2/log-streams/${id}`, { scope: 'delete:log_streams' })).status, 204);
    const gone = await api.call('GET', `/api/v2/log-streams/${id}`, { scope: 'read:log_streams' });
    assert.equal(gone.status, 404);
    assert.deepEqual(gone.body, { statusCode: 404, error: 'Not Found', message: 'The log stream does not exist.', errorCode: 'inexistent_log_stream' });
    assert.equal((await api.call('PATCH', `/api/v2/log-streams/${id}`, { scope: 'update:log_streams', body: { name: 'x' } })).status, 404);
    assert.deepEqual((await api.call('GET', '/api/v2/log-streams', { scope: 'read:log_streams' })).body, []);
    await ex.running(id, false);

    // The audit trail: every change as sapi (derived from the stream's own events, as the audit
    // service does), every refusal as fapi (from audit.requests), no token anywhere.
    const folded = new LogStreamStore();
    const changes = (await readTopic(k, k.names.logStreamEvents)).flatMap((m) => {
      assert.ok(!m.value?.toString().includes('hec-e2e-token'), 'no token in log-streams.events');
      const rec = parseLogStreamEventRecord(m);
      const e = entryFromLogStreamEvent(rec, folded.apply(rec));
      assert.ok(!e || !JSON.stringify(e).includes('hec-e2e-token'), 'no token in an audit entry');
      return e ? [`${e.type} ${e.details.response.statusCode} ${e.description}`] : [];
    });
    const refusals = (await readTopic(k, k.names.auditRequests)).map((m) => {
      assert.ok(!m.value?.toString().includes('hec-e2e-token'), 'no token in audit.requests');
      const r = parseRequestRecord(m);
      const e = entryFromRequestRecord(r.id, r.time, r.data, '');
      return `${e.type} ${e.details.response.statusCode} ${e.description}`;
    });
    const audited = [...changes, ...refusals];
    assert.deepEqual(audited.sort(), [
      'fapi 400 Create a log stream', 'fapi 400 Create a log stream', 'fapi 400 Update a log stream', 'fapi 403 Create a log stream',
      'fapi 400 Update a log stream', 'fapi 400 Update a log stream', 'fapi 400 Update a log stream', 'fapi 400 Update a log stream',
      'fapi 403 Delete a log stream', 'fapi 404 Update a log stream',
      'sapi 200 Create a log stream', 'sapi 200 Update a log stream', 'sapi 200 Update a log stream', 'sapi 200 Update a log stream',
      'sapi 204 Delete a log stream',
    ].sort());
    await ex.stop();
    await api.stop();
  });
});
