// What the audit service writes is what audit.log carries: every entry AuditEntrySchema accepts
// survives toAuditLogRecord → parseAuditLogRecord unchanged. Entries are generated from the schema
// itself (test/helpers/arbitraries.ts), so a field the schema grows is covered here at once.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AuditEntrySchema, parseAuditLogRecord, toAuditLogRecord, type AuditEntry } from '../../shared/audit/index.js';
import { arbAuditEntry, arbRequestEntry } from '../helpers/arbitraries.js';

/** The record as a consumer receives it: key and value as bytes, headers as bytes. */
function throughKafka(entry: AuditEntry): AuditEntry {
  const out = toAuditLogRecord(entry);
  const headers = Object.fromEntries(Object.entries(out.headers).map(([k, v]) => [k, Buffer.from(v)]));
  return parseAuditLogRecord({ key: out.key === null ? null : Buffer.from(out.key), value: Buffer.from(out.value), headers });
}

/** JSON has no undefined: a key whose value is undefined is the same entry as one without the key. */
const asJson = (entry: AuditEntry): unknown => JSON.parse(JSON.stringify(entry));

describe('audit.log round trip', () => {
  it('any valid entry comes back equal, keyed by its log_id', () => {
    fc.assert(
      fc.property(arbAuditEntry, (entry) => {
        assert.deepStrictEqual(throughKafka(entry), entry);
        assert.equal(toAuditLogRecord(entry).key, entry.log_id);
      }),
      { numRuns: 1000 },
    );
  });

  it('fapi and mgmt_api_read entries derived from audit.requests (every status, with or without bodies) come back equal', () => {
    fc.assert(
      fc.property(arbRequestEntry, (entry) => {
        assert.ok(AuditEntrySchema.safeParse(entry).success, 'the derived entry is valid');
        assert.deepStrictEqual(throughKafka(entry), asJson(entry));
      }),
      { numRuns: 500 },
    );
  });

  it('covers what the issue saw dropped: refusals without a body, entries without request or response body', () => {
    const seen = { noRequestBody: 0, noResponseBody: 0, refusals: new Set<number>() };
    fc.assert(
      fc.property(arbAuditEntry, (entry) => {
        if (!('body' in entry.details.request)) seen.noRequestBody++;
        if (!('body' in entry.details.response)) seen.noResponseBody++;
        if ([401, 403, 415].includes(entry.details.response.statusCode)) seen.refusals.add(entry.details.response.statusCode);
        return true;
      }),
      { numRuns: 2000 },
    );
    // Not a property of the code but of the generator: it must reach the shapes that were lost.
    assert.ok(seen.noRequestBody > 0 && seen.noResponseBody > 0);
  });

  it('keeps a query key named __proto__ (z.record dropped it: assigning it sets the prototype)', () => {
    fc.assert(
      fc.property(arbAuditEntry, fc.jsonValue(), (entry, value) => {
        const query = JSON.parse(`{"__proto__":${JSON.stringify(value)},"a":"1"}`) as Record<string, unknown>;
        const withQuery = { ...entry, details: { ...entry.details, request: { ...entry.details.request, query } } };
        assert.ok(AuditEntrySchema.safeParse(withQuery).success);
        const back = throughKafka(withQuery);
        assert.ok(Object.hasOwn(back.details.request.query, '__proto__'), 'the key is still there');
        assert.deepStrictEqual(back, asJson(withQuery));
        assert.equal(Object.getPrototypeOf(back.details.request.query), Object.prototype);
      }),
      { numRuns: 200 },
    );
  });
});

