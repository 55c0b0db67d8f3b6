// The exporter reads audit.log with a lighter check than the entry contract (services/exporter/
// read-entry.ts): the envelope, the limits every reader shares, and the fields a stream relies on.
// It must take every entry the contract takes and give it unchanged, and still refuse what no
// stream can ship: a poison record is dead-lettered, a newer schema version halts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseAuditLogRecord, toAuditLogRecord, type AuditEntry } from '../../shared/audit/index.js';
import { PoisonRecordError, UnsupportedEventError, type IncomingRecord } from '../../shared/events/index.js';
import { readExportedEntry } from '../../services/exporter/read-entry.js';
import { arbAuditEntry, arbRequestEntry } from '../helpers/arbitraries.js';

const asIncoming = (value: Buffer | string, headers: Record<string, string> = { 'content-type': 'application/cloudevents+json' }): IncomingRecord => ({
  key: null,
  value: Buffer.from(value),
  headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(v)])),
});

function record(entry: AuditEntry): IncomingRecord {
  const out = toAuditLogRecord(entry);
  return asIncoming(out.value, out.headers);
}

/** The class the exporter's reader throws for a record, or 'ok'. */
function verdict(r: IncomingRecord): string {
  try {
    readExportedEntry(r);
    return 'ok';
  } catch (err) {
    if (err instanceof UnsupportedEventError) return 'halt';
    if (err instanceof PoisonRecordError) return 'poison';
    return `other: ${String(err)}`;
  }
}

/** A valid record's envelope as JSON, to break one piece of. */
const envelopeOf = (entry: AuditEntry) => JSON.parse(toAuditLogRecord(entry).value.toString('utf8')) as Record<string, unknown> & { data: Record<string, unknown> };

describe('the exporter reads audit.log', () => {
  it('takes every valid entry and gives what the entry contract gives', () => {
    fc.assert(
      fc.property(fc.oneof(arbAuditEntry, arbRequestEntry), (entry) => {
        const r = record(entry);
        assert.deepStrictEqual(readExportedEntry(r), parseAuditLogRecord(r));
      }),
      { numRuns: 500 },
    );
  });

  it('dead-letters an entry without a usable log_id, date or type, whatever the rest holds', () => {
    const bad = {
      log_id: fc.oneof(fc.jsonValue({ maxDepth: 1 }).filter((v) => typeof v !== 'string' || !/^\d{56}$/.test(v)), fc.constant(undefined)),
      date: fc.oneof(fc.jsonValue({ maxDepth: 1 }).filter((v) => typeof v !== 'string' || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(v)), fc.constant(undefined)),
      type: fc.oneof(fc.jsonValue({ maxDepth: 1 }).filter((v) => !['sapi', 'fapi', 'mgmt_api_read'].includes(v as string)), fc.constant(undefined)),
    };
    const arbBreak = fc.oneof(...(['log_id', 'date', 'type'] as const).map((field) => fc.tuple(fc.constant(field), bad[field])));
    fc.assert(
      fc.property(arbAuditEntry, arbBreak, (entry, [field, value]) => {
        const envelope = envelopeOf(entry);
        if (value === undefined) delete envelope.data[field];
        else envelope.data[field] = value;
        assert.equal(verdict(asIncoming(JSON.stringify(envelope))), 'poison', `${field}: ${JSON.stringify(value)}`);
      }),
      { numRuns: 300 },
    );
  });

  it('dead-letters what is not an audit entry record, halts on a newer schema version or event type', () => {
    const valid = envelopeOf(fc.sample(arbAuditEntry, 1)[0]!);
    const garbage = [
      '', 'not json', '{"a":1}', 'null', '[]', '{"specversion":"1.0"}',
      JSON.stringify({ ...valid, data: 'text' }),
      JSON.stringify({ ...valid, data: null }),
      JSON.stringify({ ...valid, specversion: '0.3' }),
      JSON.stringify({ ...valid, schemaversion: 0 }),
      // Outside the limits every reader shares (RECORD_JSON_LIMITS): NUL, a lone surrogate, nesting beyond 48.
      JSON.stringify({ ...valid, data: { ...valid.data, description: 'a\u0000b' } }),
      JSON.stringify({ ...valid, data: { ...valid.data, details: { note: '\ud800' } } }),
      JSON.stringify({ ...valid, data: { ...valid.data, details: JSON.parse('['.repeat(60) + ']'.repeat(60)) } }),
    ];
    for (const [i, text] of garbage.entries()) assert.equal(verdict(asIncoming(text)), 'poison', `garbage ${i}: ${text.slice(0, 80)}`);
    assert.equal(verdict({ key: null, value: null, headers: {} }), 'poison', 'a tombstone');
    assert.equal(verdict(asIncoming(JSON.stringify({ ...valid, schemaversion: 2 }))), 'halt');
    assert.equal(verdict(asIncoming(JSON.stringify({ ...valid, type: 'audit.entry.v2' }))), 'halt');
    assert.equal(verdict(asIncoming(JSON.stringify(valid))), 'ok', 'the record these were made from');
  });
});
