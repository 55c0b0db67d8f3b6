import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  AuditEntrySchema, dateTime64ToIso, formatDateTime64, assertLogIdMatchesDate, fromAuditRow, makeLogId, type AuditEntryInput,
} from '../../shared/audit/index.js';

const date = '2026-11-23T06:00:00.123Z';
const input: AuditEntryInput = {
  log_id: makeLogId(Date.parse(date), 'evt-1'),
  date,
  type: 'sapi',
  description: 'Update a client',
  client_id: 'caller-app',
  client_name: 'Caller',
  user_id: 'caller-app@clients',
  user_name: 'Caller',
  ip: '10.0.0.1',
  user_agent: 'curl/8',
  hostname: 'tenant.example.com',
  target_client_id: 'target-app',
  target_client_name: 'Shop',
  details: {
    request: { method: 'patch', path: '/api/v2/clients/target-app', query: {}, body: { name: 'Shop' } },
    response: { statusCode: 200, body: { client_id: 'target-app', client_secret: 'REDACTED' } },
    changes: [{ field: 'name', before: 'Old', after: 'Shop' }],
    verdict: 'applied',
  },
  scope: 'update:clients',
  audience: 'https://tenant.example.com/api/v2/',
};

describe('AuditEntrySchema', () => {
  it('accepts an entry and fills the Auth0 fields we have no source for', () => {
    const entry = AuditEntrySchema.parse(input);
    assert.equal(entry.connection, '');
    assert.equal(entry.strategy_type, '');
    assert.equal(entry.details.verdict, 'applied');
  });

  it('refuses a log_id that does not encode the date', () => {
    const result = AuditEntrySchema.safeParse({ ...input, log_id: makeLogId(Date.parse(date) + 1, 'evt-1') });
    assert.equal(result.success, false);
    assert.match(JSON.stringify(result.error?.issues), /log_id must be made from the entry date/);
  });

  it('refuses non-canonical dates, unknown types and unknown keys', () => {
    assert.equal(AuditEntrySchema.safeParse({ ...input, date: '2026-11-23T06:00:00Z' }).success, false);
    assert.equal(AuditEntrySchema.safeParse({ ...input, date: '2026-11-23T07:00:00.123+01:00' }).success, false);
    assert.equal(AuditEntrySchema.safeParse({ ...input, type: 's' }).success, false);
    assert.equal(AuditEntrySchema.safeParse({ ...input, extra: 1 }).success, false);
    assert.equal(AuditEntrySchema.safeParse({ ...input, log_id: '1'.repeat(55) }).success, false);
  });
});

describe('audit rows', () => {
  it('reads a row as ClickHouse returns it back into the log object it was written from', () => {
    const entry = AuditEntrySchema.parse(input);
    // What SELECT * gives: DateTime64 text, details as its JSON text, every column, inserted_at.
    const row = { ...entry, date: '2026-11-23 06:00:00.123', details: JSON.stringify(entry.details), inserted_at: '2026-11-23 06:00:01.000' };
    const back = fromAuditRow(row);
    // Auth0's order and shape (auth0/go-auth0 test/data/recordings/TestLogManager*.yaml).
    assert.deepEqual(back, {
      _id: entry.log_id,
      log_id: entry.log_id,
      date,
      type: 'sapi',
      description: 'Update a client',
      connection: null,
      connection_id: null,
      organization_id: null,
      organization_name: null,
      client_id: 'caller-app',
      client_name: 'Caller',
      ip: '10.0.0.1',
      hostname: 'tenant.example.com',
      details: {
        ...entry.details,
        request: {
          // A client credentials token: Auth0 shows its user as {}.
          auth: { user: {}, strategy: 'jwt', credentials: { scopes: ['update:clients'] } },
          channel: 'api',
          ip: '10.0.0.1',
          userAgent: 'curl/8',
          ...entry.details.request,
        },
      },
      user_id: 'caller-app@clients',
      user_name: 'Caller',
      user_agent: 'curl/8',
      audience: 'https://tenant.example.com/api/v2/',
      scope: 'update:clients',
      strategy: null,
      strategy_type: null,
      isMobile: false,
      location_info: null,
      target_client_id: 'target-app',
      target_client_name: 'Shop',
    });
    assert.deepEqual(Object.keys(back).slice(0, 5), ['_id', 'log_id', 'date', 'type', 'description']);
  });

  it('shows empty fields as Auth0 does: null, "" for description and client_name, scope and ours left out', () => {
    const row = { log_id: '1', date: '2026-01-01 00:00:00.000', type: 'fapi', description: '', client_id: '', client_name: '', ip: '', user_id: '', user_name: '', user_agent: '', scope: '', target_client_id: '', details: '{"request":{"method":"get","path":"/x","query":{}},"response":{"statusCode":401}}' };
    const back = fromAuditRow(row);
    assert.equal(back.description, '');
    assert.equal(back.client_name, '');
    for (const f of ['client_id', 'ip', 'user_id', 'user_name', 'user_agent', 'connection', 'hostname', 'audience', 'strategy'] as const) assert.equal(back[f], null, f);
    assert.ok(!('scope' in back) && !('target_client_id' in back) && !('target_client_name' in back));
    // No caller (no valid token): no auth, no ip, no userAgent to show.
    assert.deepEqual((back.details as { request: unknown }).request, { channel: 'api', method: 'get', path: '/x', query: {} });
  });

  it("shows a user token's user in details.request.auth, and what the entry recorded itself wins", () => {
    const row = { log_id: '1', date: '2026-01-01 00:00:00.000', user_id: 'auth0|ann', user_name: 'Ann', client_id: 'app', scope: '', ip: '1.2.3.4', user_agent: 'ua', details: JSON.stringify({ request: { method: 'post', path: '/p', query: {}, channel: 'dashboard' }, response: { statusCode: 201 } }) };
    const { request } = fromAuditRow(row, ['details']).details as { request: Record<string, unknown> };
    assert.deepEqual(request.auth, { user: { user_id: 'auth0|ann', name: 'Ann' }, strategy: 'jwt', credentials: {} });
    assert.equal(request.channel, 'dashboard');
    assert.equal(request.userAgent, 'ua');
  });

  it('presents only the fields asked for, _id and the constants included', () => {
    assert.deepEqual(fromAuditRow({ log_id: '7', type: 'sapi' }, ['_id', 'isMobile', 'type']), { _id: '7', isMobile: false, type: 'sapi' });
  });

  it('refuses to write an entry whose id does not match its date', () => {
    const entry = AuditEntrySchema.parse(input);
    assert.doesNotThrow(() => assertLogIdMatchesDate(entry));
    assert.throws(() => assertLogIdMatchesDate({ ...entry, date: '2026-11-23T06:00:00.124Z' }), /does not encode its date/);
  });

  it('converts DateTime64 text both ways', () => {
    assert.equal(formatDateTime64(Date.UTC(2026, 0, 2, 3, 4, 5, 6)), '2026-01-02 03:04:05.006');
    assert.equal(dateTime64ToIso('2026-01-02 03:04:05.006'), '2026-01-02T03:04:05.006Z');
    assert.equal(dateTime64ToIso('2026-01-02 03:04:05'), '2026-01-02T03:04:05.000Z');
    assert.throws(() => dateTime64ToIso('2026-01-02T03:04:05Z'), /Not a ClickHouse DateTime64/);
  });
});
