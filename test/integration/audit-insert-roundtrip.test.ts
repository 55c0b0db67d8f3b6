// The audit writer's ClickHouse rows (TabSeparated, encoded once by checkEntry) read back as the
// entries they came from: every column's text exactly, `details` as the entry's JSON text, the date
// to the millisecond. Generated entries carry tabs, line breaks, backslashes, `\N`, quotes and
// every Unicode plane, which is what an escaping mistake would break.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { useClickHouse } from '../helpers/clickhouse.js';
import { arbAuditEntry, arbRequestEntry } from '../helpers/arbitraries.js';
import { arbOddText } from '../helpers/odd-text.js';
import { insertEncoded } from '../../services/audit/writer.js';
import { AUDIT_TEXT_FIELDS, checkEntry, dateTime64ToIso, makeLogId, type AuditEntry } from '../../shared/audit/index.js';

const arbEntry: fc.Arbitrary<AuditEntry> = fc
  .tuple(fc.oneof(arbAuditEntry, arbRequestEntry), fc.constantFrom(...AUDIT_TEXT_FIELDS), fc.oneof(arbOddText({ maxLength: 30 }), fc.constantFrom('\\N', 'a\tb', 'a\nb', 'a\r\nb', '\\', '\\t', '"\\"')))
  .map(([entry, field, text]) => ({ ...entry, [field]: text, details: { ...entry.details, request: { ...entry.details.request, body: { text } } } }));

describe('audit rows in ClickHouse', () => {
  const db = useClickHouse('audit-insert');

  it('read back exactly as the entries they were encoded from (generated)', async () => {
    let batch = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(arbEntry, { minLength: 1, maxLength: 12 }), async (generated) => {
        batch++;
        // Unique ids per row: the table replaces rows with equal keys.
        const entries = generated.map((e, i) => ({ ...e, log_id: makeLogId(Date.parse(e.date), `roundtrip-${batch}-${i}`) }));
        const encoded = entries.map((e) => {
          const checked = checkEntry(e);
          assert.ok(checked.ok, checked.ok ? '' : checked.problem);
          return checked.encoded;
        });
        await insertEncoded(db.ch, encoded);
        const rows = await (await db.ch.client.query({
          query: 'SELECT * FROM audit_log FINAL WHERE log_id IN {ids:Array(String)}',
          query_params: { ids: entries.map((e) => e.log_id) },
          format: 'JSONEachRow',
        })).json<Record<string, string>>();
        assert.equal(rows.length, entries.length);
        const byId = new Map(rows.map((r) => [r.log_id, r]));
        for (const e of entries) {
          const row = byId.get(e.log_id)!;
          assert.equal(dateTime64ToIso(row.date!), e.date);
          assert.equal(row.type, e.type);
          for (const f of AUDIT_TEXT_FIELDS) assert.equal(row[f], e[f], f);
          assert.equal(row.details, JSON.stringify(e.details));
        }
      }),
      { numRuns: 40 },
    );
  });
});
