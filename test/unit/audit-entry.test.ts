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
    assert.deepEqual(back, {
      log_id: entry.log_id,
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
      scope: 'update:clients',
      audience: 'https://tenant.example.com/api/v2/',
      details: entry.details,
    });
  });

  it('keeps the fields Auth0 always sends even when empty', () => {
    assert.deepEqual(fromAuditRow({ log_id: '1', description: '', client_id: '' }), { log_id: '1', description: '' });
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
