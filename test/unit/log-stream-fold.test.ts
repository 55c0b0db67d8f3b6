import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createSecretBox } from '../../shared/crypto/secret-box.js';
import { Auth0Error } from '../../shared/errors/auth0-error.js';
import {
  HealthStore, LOG_STREAM_ID_PATTERN, type PiiConfig, LogStreamUpdateSchema, apply, categoryOf, decideCreate, decideDelete, decideSuspend, decideUpdate,
  entryFilter, generateLogStreamId, logStreamCreateSchema, openSink, parseLogStreamEventRecord, presentLogStream, resolveStartFrom,
  toLogStreamEventRecord, type LogStreamEvent, type LogStreamState,
} from '../../shared/log-streams/index.js';
import type { EventMeta } from '../../shared/clients/envelope.js';
import { encodeStructured } from '../../shared/events/envelope.js';

const box = createSecretBox(randomBytes(32));
const NOW = new Date('2026-03-01T10:00:00.000Z');
const T1 = '2026-03-01T10:01:00.000Z';
const T2 = '2026-03-01T10:02:00.000Z';
const policy = {};
const meta: EventMeta = { actor: 'auth0|admin', actorclient: 'cli', actorname: 'Admin', requestid: 'r1', ip: '127.0.0.1', useragent: 'test', method: 'POST', path: '/api/v2/log-streams' };

const splunkBody = (extra: Record<string, unknown> = {}) =>
  logStreamCreateSchema().parse({ name: 'SIEM', type: 'splunk', sink: { splunkDomain: 'splunk.example.com', splunkPort: '8088', splunkToken: 'hec-secret-1', splunkSecure: true }, ...extra });

function created(extra: Record<string, unknown> = {}): LogStreamState {
  const id = generateLogStreamId();
  const result = apply(undefined, decideCreate(splunkBody(extra), { id, box, now: NOW }), NOW.toISOString());
  assert.equal(result.verdict, 'applied');
  return result.state!;
}

function applied(state: LogStreamState | undefined, event: LogStreamEvent | undefined, at = T1): LogStreamState {
  assert.ok(event, 'a change was expected');
  const result = apply(state, event, at);
  assert.equal(result.verdict, 'applied');
  return result.state!;
}

describe('log stream schemas', () => {
  it('takes the Auth0 create bodies of the four sink types and refuses the others', () => {
    const schema = logStreamCreateSchema();
    for (const body of [
      { type: 'http', sink: { httpEndpoint: 'https://logs.example.com/in', httpContentFormat: 'JSONLINES', httpAuthorization: 'Bearer x', httpCustomHeaders: [{ header: 'x-tenant', value: 'a' }] } },
      { type: 'sumo', sink: { sumoSourceAddress: 'https://endpoint1.collection.sumologic.com/receiver/v1/http/ZaVnC4dhaV' } },
      { type: 'datadog', sink: { datadogRegion: 'eu', datadogApiKey: 'k' }, filters: [{ type: 'category', name: 'management.fail' }], startFrom: 'beginning' },
    ]) assert.equal(schema.safeParse(body).success, true, JSON.stringify(body));
    assert.equal(schema.safeParse({ type: 'eventbridge', sink: { awsAccountId: '123456789012', awsRegion: 'us-east-1' } }).success, false);
    assert.equal(schema.safeParse({ type: 'http', sink: { httpEndpoint: 'http://logs.example.com/in' } }).success, false, 'https only');
    assert.equal(schema.safeParse({ type: 'http', sink: { httpEndpoint: 'https://a.example.com', httpEndpointt: 'x' } }).success, false, 'misspelt sink field');
    assert.equal(schema.safeParse({ type: 'datadog', sink: { datadogRegion: 'eu', datadogApiKey: 'k' }, filters: [{ type: 'category', name: 'management.oops' }] }).success, false);
    assert.equal(logStreamCreateSchema({ allowInsecureLoopback: true }).safeParse({ type: 'http', sink: { httpEndpoint: 'http://127.0.0.1:9/in' } }).success, true);
    assert.equal(LogStreamUpdateSchema.safeParse({ status: 'suspended' }).success, false, 'only the exporter suspends');
  });

  it('maps our entry types onto Auth0 categories and filters by them', () => {
    assert.equal(categoryOf('sapi'), 'management.success');
    assert.equal(categoryOf('mgmt_api_read'), 'management.success');
    assert.equal(categoryOf('fapi'), 'management.fail');
    const failures = entryFilter([{ type: 'category', name: 'management.fail' }]);
    assert.deepEqual(['sapi', 'fapi', 'mgmt_api_read'].filter(failures), ['fapi']);
    assert.deepEqual(['sapi', 'fapi'].filter(entryFilter([])), ['sapi', 'fapi'], 'no filters = everything');
  });

  it('pins "now" to the creation time and keeps "beginning"', () => {
    assert.equal(resolveStartFrom(undefined, NOW), NOW.toISOString());
    assert.equal(resolveStartFrom('now', NOW), NOW.toISOString());
    assert.equal(resolveStartFrom('beginning', NOW), 'beginning');
    assert.equal(resolveStartFrom('2026-02-01T00:00:00+01:00', NOW), '2026-01-31T23:00:00.000Z');
  });
});

describe('log stream fold', () => {
  it('creates active streams with sealed sink secrets that are omitted from answers', () => {
    const state = created();
    assert.match(state.id, LOG_STREAM_ID_PATTERN);
    assert.equal(state.status, 'active');
    assert.equal(state.start_from, NOW.toISOString());
    assert.deepEqual(state.sink, { splunkDomain: 'splunk.example.com', splunkPort: '8088', splunkSecure: true });
    assert.ok(!JSON.stringify(state).includes('hec-secret-1'));
    assert.equal(openSink(state, box).splunkToken, 'hec-secret-1');
    const shown = presentLogStream(state);
    // As Auth0 answers a stream created without filters or pii_config (go-auth0 recordings): neither key.
    assert.deepEqual(Object.keys(shown).sort(), ['id', 'isPriority', 'name', 'sink', 'status', 'type']);
    assert.equal('splunkToken' in shown.sink, false);
    const filtered = presentLogStream(created({ filters: [{ type: 'category', name: 'management.fail' }] }));
    assert.deepEqual(filtered.filters, [{ type: 'category', name: 'management.fail' }]);
  });

  it('stores, echoes, replaces and removes pii_config', () => {
    const pii: PiiConfig = { log_fields: ['first_name'], method: 'mask', algorithm: 'xxhash' };
    const state = created({ pii_config: pii });
    assert.deepEqual(presentLogStream(state).pii_config, pii);
    const hashed: PiiConfig = { log_fields: ['last_name'], method: 'hash', algorithm: 'xxhash' };
    const changed = applied(state, decideUpdate(state, { pii_config: hashed }, { box, policy }));
    assert.deepEqual(presentLogStream(changed).pii_config, hashed);
    assert.equal(decideUpdate(changed, { pii_config: hashed }, { box, policy }), undefined, 'the same config is no change');
    const removed = applied(changed, decideUpdate(changed, { pii_config: null }, { box, policy }), T2);
    assert.equal('pii_config' in presentLogStream(removed), false);
    assert.equal(decideUpdate(removed, { pii_config: null }, { box, policy }), undefined);
    assert.equal(LogStreamUpdateSchema.safeParse({ pii_config: { log_fields: ['ssn'] } }).success, false);
  });

  it('reads a version 1 created/updated record (written before pii_config) as it was', () => {
    const state = created();
    const update = decideUpdate(state, { name: 'renamed' }, { box, policy })!;
    for (const event of [decideCreate(splunkBody(), { id: state.id, box, now: NOW }), update] as LogStreamEvent[]) {
      const v2 = toLogStreamEventRecord(event, meta).record;
      const ce = JSON.parse(String(v2.value));
      assert.equal(ce.schemaversion, 2);
      const v1 = encodeStructured({ ...ce, schemaversion: 1 });
      const read = parseLogStreamEventRecord({ key: v1.key === null ? null : Buffer.from(v1.key), value: v1.value, headers: v1.headers });
      assert.deepEqual(read.event, event);
    }
  });

  it("answers a missing stream with Auth0's 404, and a delete of it with no change (Auth0: 204)", () => {
    const state = created();
    const deleted = applied(state, decideDelete(state));
    assert.equal(decideDelete(deleted), undefined);
    assert.equal(decideDelete(undefined), undefined);
    assert.throws(() => decideUpdate(deleted, { name: 'x' }, { box, policy }), (err) => {
      assert.ok(err instanceof Auth0Error);
      assert.deepEqual(err.toJSON(), { statusCode: 404, error: 'Not Found', message: 'The log stream does not exist.', errorCode: 'inexistent_log_stream' });
      return true;
    });
  });

  it('merges a partial sink, reseals only when a secret changed, and reports no-op patches as no change', () => {
    const state = created();
    const renamed = applied(state, decideUpdate(state, { sink: { splunkPort: '8089', splunkToken: 'hec-secret-1' } }, { box, policy }));
    assert.equal(renamed.sink.splunkPort, '8089');
    assert.equal(renamed.sink_secrets_sealed, state.sink_secrets_sealed, 'the token did not change');
    const rotated = applied(renamed, decideUpdate(renamed, { sink: { splunkToken: 'hec-secret-2' } }, { box, policy }), T2);
    assert.notEqual(rotated.sink_secrets_sealed, renamed.sink_secrets_sealed);
    assert.equal(openSink(rotated, box).splunkToken, 'hec-secret-2');
    assert.equal(decideUpdate(rotated, { name: rotated.name, status: 'active', sink: { splunkToken: 'hec-secret-2' } }, { box, policy }), undefined);
  });

  it('judges a merged sink with its type and never quotes the secret in the error', () => {
    const state = created();
    assert.throws(
      () => decideUpdate(state, { sink: { splunkToken: 'new secret with spaces' } }, { box, policy }),
      (err) => err instanceof Auth0Error && err.statusCode === 400 && /sink\.splunkToken/.test(err.message) && !err.message.includes('new secret'),
    );
    assert.throws(() => decideUpdate(state, { sink: { httpEndpoint: 'https://x.example.com' } }, { box, policy }), (err) => err instanceof Auth0Error && /httpEndpoint/.test(err.message));
    assert.throws(() => decideUpdate(state, { sink: { splunkDomain: null } }, { box, policy }), (err) => err instanceof Auth0Error && /splunkDomain/.test(err.message));
  });

  it('suspends only the version the exporter ran, and only a running stream', () => {
    const state = created();
    const reason = { at: T1, status: 403, message: 'HTTP 403: invalid token' };
    const suspended = applied(state, decideSuspend(state, state.version, reason));
    assert.equal(suspended.status, 'suspended');
    assert.deepEqual(suspended.suspension, reason);

    // The token was fixed meanwhile: a suspension decided on the old version must not apply.
    const fixed = applied(state, decideUpdate(state, { sink: { splunkToken: 'hec-secret-2' } }, { box, policy }));
    assert.equal(decideSuspend(fixed, state.version, reason), undefined);
    const stale = { type: 'log_stream.suspended', stream_id: state.id, expected_version: state.version, data: { reason } } as const;
    assert.equal(apply(fixed, stale, T2).verdict, 'conflict');

    const paused = applied(state, decideUpdate(state, { status: 'paused' }, { box, policy }));
    assert.equal(decideSuspend(paused, paused.version, reason), undefined, 'a pause is not overridden');

    const resumed = applied(suspended, decideUpdate(suspended, { status: 'active' }, { box, policy }), T2);
    assert.equal(resumed.status, 'active');
  });

  it('treats every event after a delete, and any version mismatch, as a conflict', () => {
    const state = created();
    const deleted = applied(state, decideDelete(state));
    assert.equal(deleted.deleted, true);
    assert.throws(() => decideUpdate(deleted, { name: 'x' }, { box, policy }), (err) => err instanceof Auth0Error && err.statusCode === 404);
    const late = { type: 'log_stream.updated', stream_id: state.id, expected_version: 1, data: { changes: { name: 'late' } } } as const;
    assert.equal(apply(deleted, late, T2).verdict, 'conflict');
    const recreate = decideCreate(splunkBody(), { id: state.id, box, now: NOW });
    assert.equal(apply(state, recreate, T2).verdict, 'conflict');
  });

  it('round-trips events through the CloudEvents record and replays to the same state', () => {
    const state = created({ filters: [{ type: 'category', name: 'management.success' }] });
    const events: LogStreamEvent[] = [
      decideCreate(splunkBody(), { id: state.id, box, now: NOW }),
    ];
    let live = applied(undefined, events[0], NOW.toISOString());
    for (const patch of [{ name: 'renamed' }, { status: 'paused' as const }, { sink: { splunkToken: 'rotated' } }]) {
      const event = decideUpdate(live, patch, { box, policy })!;
      events.push(event);
      live = applied(live, event);
    }
    let replayed: LogStreamState | undefined;
    for (const event of events) {
      const { record } = toLogStreamEventRecord(event, meta);
      const rec = parseLogStreamEventRecord({ key: Buffer.from(record.key ?? ''), value: record.value, headers: record.headers });
      assert.deepEqual(rec.meta, meta);
      replayed = applied(replayed, rec.event);
    }
    assert.deepEqual({ ...replayed, created_at: '', updated_at: '' }, { ...live, created_at: '', updated_at: '' });
  });
});

describe('log stream health fold', () => {
  const snap = (partition: number, at: string, rest: Partial<{ last_success_at: string | null; last_error: { at: string; status: number | null; message: string } | null; failing_since: string | null }>) => ({
    kind: 'snapshot' as const,
    snapshot: { stream_id: 'lst_1', partition, at, last_success_at: null, last_error: null, failing_since: null, ...rest },
  });

  it('merges partitions and keeps the latest success and error across exporter restarts', () => {
    const store = new HealthStore();
    store.apply(snap(0, T1, { last_success_at: T1 }));
    store.apply(snap(1, T1, { last_error: { at: T1, status: 503, message: 'busy' }, failing_since: T1 }));
    assert.deepEqual(store.view('lst_1'), { last_success_at: T1, last_error: { at: T1, status: 503, message: 'busy' }, failing_since: T1, dead_letters: { count: 0, last: null } });
    // A restarted exporter knows nothing of the past: its first snapshot must not erase it.
    store.apply(snap(1, T2, { last_success_at: T2 }));
    assert.deepEqual(store.view('lst_1'), { last_success_at: T2, last_error: { at: T1, status: 503, message: 'busy' }, failing_since: null, dead_letters: { count: 0, last: null } });
    store.apply({ kind: 'tombstone', streamId: 'lst_1', partition: 1 });
    assert.equal(store.view('lst_1').last_success_at, T1);
  });

  it('counts dead letters, keeps the latest, and shows a drop newer than any delivery error as the last error', () => {
    const store = new HealthStore();
    store.apply(snap(0, T1, { last_error: { at: T1, status: 400, message: 'HTTP 400' } }));
    store.deadLettered('lst_1', { log_id: '1'.repeat(56), at: T2, reason: 'SinkRejectedEntry: refused' });
    store.deadLettered('lst_1', { log_id: '2'.repeat(56), at: T1, reason: 'older, read late' });
    const view = store.view('lst_1');
    assert.deepEqual(view.dead_letters, { count: 2, last: { log_id: '1'.repeat(56), at: T2, reason: 'SinkRejectedEntry: refused' } });
    assert.deepEqual(view.last_error, { at: T2, status: null, message: `dead-lettered log_id ${'1'.repeat(56)}: SinkRejectedEntry: refused` });
    assert.deepEqual(store.view('lst_2').dead_letters, { count: 0, last: null });
    store.forget('lst_1');
    assert.deepEqual(store.view('lst_1').dead_letters, { count: 0, last: null });
  });
});
