import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AUDIT_LOG_TYPES, AuditEntrySchema, degradeEntry, makeLogId, parseAuditLogRecord, storableText, toAuditLogRecord } from '../../shared/audit/index.js';
import { arbAuditEntry, arbDateMs } from '../helpers/arbitraries.js';

// Anything at all where a field should be: lone surrogates, NUL, numbers, objects, deep nesting.
const junk = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({ unit: fc.constantFrom('\ud800', '\udfff', '\u0000', 'a', '€') }),
  fc.anything({ maxDepth: 3 }),
);
const deep = fc.integer({ min: 1, max: 20_000 }).map((depth) => {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
});

describe('degraded audit entries', () => {
  it('are valid, storable entries with the same log_id, date and type, whatever the original held (generated)', () => {
    fc.assert(
      fc.property(
        arbDateMs,
        fc.string({ minLength: 1 }),
        fc.constantFrom(...AUDIT_LOG_TYPES),
        fc.dictionary(fc.constantFrom('description', 'client_id', 'user_name', 'ip', 'user_agent', 'target_client_name', 'scope'), junk),
        fc.oneof(junk, deep, fc.record({ request: fc.oneof(junk, deep), response: fc.record({ statusCode: fc.oneof(fc.integer(), junk), body: deep }) })),
        fc.string({ unit: 'binary' }),
        (dateMs, key, type, fields, details, reason) => {
          const date = new Date(dateMs).toISOString();
          const log_id = makeLogId(dateMs, key);
          const out = degradeEntry({ log_id, date, type, ...fields, details }, reason);
          assert.equal(out.log_id, log_id);
          assert.equal(out.date, date);
          assert.equal(out.type, type);
          assert.ok(out.details.degraded, 'says it is degraded');
          assert.ok(AuditEntrySchema.safeParse(out).success);
          const json = JSON.stringify(out);
          assert.ok(json.isWellFormed() && !json.includes('\\u0000'), 'only well-formed text without NUL');
          // It survives audit.log unchanged, so every stream can carry it.
          const rec = toAuditLogRecord(out);
          assert.deepEqual(parseAuditLogRecord({ key: null, value: rec.value, headers: rec.headers }), out);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('take fields that String() cannot convert (a non-function toString, no prototype) as some text, never a throw', () => {
    const date = new Date(0).toISOString();
    for (const odd of [{ toString: '' }, Object.create(null) as object, { toString: () => ({}) }, { valueOf: 1, toString: 2 }]) {
      const out = degradeEntry({ log_id: makeLogId(0, 'odd'), date, type: 'sapi', description: odd, details: {} }, 'odd');
      assert.equal(typeof out.description, 'string');
      assert.ok(out.details.degraded?.dropped.includes('description'));
    }
  });

  it('keep the storable top-level fields of a full entry and name what they dropped (generated)', () => {
    fc.assert(
      fc.property(arbAuditEntry, fc.string(), (entry, reason) => {
        const out = degradeEntry(entry, reason);
        for (const f of ['description', 'client_id', 'user_id', 'ip', 'target_client_id'] as const) {
          assert.equal(out[f], storableText(entry[f]), f);
        }
        assert.equal(out.details.request.method, storableText(entry.details.request.method, 16));
        if (entry.details.request.body !== undefined) assert.ok(out.details.degraded!.dropped.includes('details.request.body'));
        if (entry.details.changes !== undefined) assert.ok(out.details.degraded!.dropped.includes('details.changes'));
        // Degrading twice keeps the first account.
        const again = degradeEntry(out, 'second');
        assert.ok(again.details.degraded!.reason.startsWith('second'));
        for (const d of out.details.degraded!.dropped) assert.ok(again.details.degraded!.dropped.includes(d));
      }),
      { numRuns: 300 },
    );
  });
});
