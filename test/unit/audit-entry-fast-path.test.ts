/// <reference lib="es2024.string" />
// The audit writer's fast path (shared/audit/encoded-entry.ts, shared/http/json-text-limits.ts)
// against the full checks it stands in for, on generated input: it may only ever say "fits" when
// AuditEntrySchema / findJsonViolation would, the verdict of checkEntry is always the schema's, and
// the text it encodes once is what both destinations would have got from the old two encodings.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AUDIT_ROW_COLUMNS, AuditEntrySchema, checkEntry, encodedToAuditLogRecord, fitsEntryShape, parseAuditLogRecord, type AuditEntry } from '../../shared/audit/index.js';
import { createEventCodec } from '../../shared/events/index.js';
import { findJsonViolation, RECORD_JSON_LIMITS, type JsonLimits } from '../../shared/http/json-limits.js';
import { surelyWithinJsonLimits } from '../../shared/http/json-text-limits.js';
import { arbAuditEntry, arbBrokenJson, arbBrokenText, arbRequestEntry } from '../helpers/arbitraries.js';

const smallLimits = fc.record({ maxDepth: fc.integer({ min: 1, max: 6 }), maxEntries: fc.integer({ min: 1, max: 40 }) });
const brokenJson = arbBrokenJson({ maxDepth: 6, maxEntries: 5, textLength: 6, numbers: fc.oneof(fc.integer(), fc.double()) });

/** Values as derive builds them: JSON data, plus undefined properties (absent bodies), keys possibly broken. */
const withUndefined: fc.Arbitrary<unknown> = fc.tuple(brokenJson, fc.dictionary(arbBrokenText(4), fc.constant(undefined), { maxKeys: 2 })).map(([v, extra]) =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? { ...v, ...extra } : { v, ...extra },
);

function nest(depth: number): unknown {
  let v: unknown = 'x';
  for (let i = 0; i < depth; i++) v = i % 2 === 0 ? { k: v } : [v];
  return v;
}

describe('surelyWithinJsonLimits', () => {
  it('says "within" only when findJsonViolation finds nothing (generated, with the text from JSON.stringify)', () => {
    fc.assert(
      fc.property(fc.oneof(brokenJson, withUndefined), smallLimits, (value, limits: JsonLimits) => {
        const text = JSON.stringify(value);
        if (text === undefined) return;
        if (surelyWithinJsonLimits(value, text, limits)) assert.equal(findJsonViolation(value, limits), undefined);
      }),
      { numRuns: 2000 },
    );
  });

  it('says "within" only when findJsonViolation finds nothing (generated, parsed from text with escapes and whitespace)', () => {
    fc.assert(
      fc.property(brokenJson, smallLimits, fc.constantFrom(undefined, 1, '\t'), (value, limits: JsonLimits, space) => {
        // JSON.stringify escapes a lone surrogate and JSON.parse restores it: the reader's view.
        const text = JSON.stringify(value, null, space);
        const parsed: unknown = JSON.parse(text);
        if (surelyWithinJsonLimits(parsed, text, limits)) assert.equal(findJsonViolation(parsed, limits), undefined);
        // Escaped forms of clean text the fast check cannot vouch for must not make it unsound either.
        const escaped = text.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
        if (surelyWithinJsonLimits(JSON.parse(escaped), escaped, limits)) assert.equal(findJsonViolation(JSON.parse(escaped), limits), undefined);
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees with the walk at the record limits: depth and entries just inside and just outside', () => {
    for (const depth of [RECORD_JSON_LIMITS.maxDepth - 1, RECORD_JSON_LIMITS.maxDepth, RECORD_JSON_LIMITS.maxDepth + 1]) {
      const v = nest(depth);
      assert.equal(surelyWithinJsonLimits(v, JSON.stringify(v), RECORD_JSON_LIMITS), findJsonViolation(v, RECORD_JSON_LIMITS) === undefined, `depth ${depth}`);
    }
    for (const n of [RECORD_JSON_LIMITS.maxEntries - 1, RECORD_JSON_LIMITS.maxEntries, RECORD_JSON_LIMITS.maxEntries + 1]) {
      const v = { a: new Array(n - 1).fill(0) };
      assert.equal(surelyWithinJsonLimits(v, JSON.stringify(v), RECORD_JSON_LIMITS), findJsonViolation(v, RECORD_JSON_LIMITS) === undefined, `entries ${n}`);
    }
  });

  it('refuses to vouch for what JSON text does not show: a bad key with an undefined value, holes, class instances', () => {
    const badKey = { ['a\u0000b']: undefined };
    assert.equal(surelyWithinJsonLimits(badKey, JSON.stringify(badKey), RECORD_JSON_LIMITS), false);
    const holes = [1, , 3]; // eslint-disable-line no-sparse-arrays
    assert.equal(surelyWithinJsonLimits(holes, JSON.stringify(holes), RECORD_JSON_LIMITS), false);
    const date = { at: new Date(0) };
    assert.equal(surelyWithinJsonLimits(date, JSON.stringify(date), RECORD_JSON_LIMITS), false);
  });
});

// Ways an entry can break the contract (or only look unusual): the schema decides which.
const junk = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.string({ unit: fc.constantFrom('\ud800', '\udfff', '\u0000', 'a', '\\'), maxLength: 6 }),
  fc.anything({ maxDepth: 2 }),
  fc.constant(undefined),
);
const TOP = ['log_id', 'date', 'type', 'description', 'client_id', 'user_agent', 'strategy', 'details', 'extra'] as const;
type Mutation = (e: Record<string, unknown>) => void;
const details = (e: Record<string, unknown>) => e.details as Record<string, Record<string, unknown>>;
const arbMutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fc.constantFrom(...TOP), junk).map(([k, v]): Mutation => (e) => void (e[k] = v)),
  fc.constantFrom(...TOP).map((k): Mutation => (e) => void delete e[k]),
  fc.integer({ min: -2, max: 2 }).map((d): Mutation => (e) => void (e.date = new Date(Date.parse(e.date as string) + d).toISOString().replace('.000Z', 'Z'))),
  fc.constantFrom('+01:00', 'Z', '.1Z').map((s): Mutation => (e) => void (e.date = (e.date as string).slice(0, 19) + s)),
  fc.constantFrom('request', 'response', 'changes', 'accessedSecrets', 'verdict', 'degraded', 'log_stream').chain((k) => junk.map((v): Mutation => (e) => void (details(e)[k] = v as never))),
  fc.constantFrom('method', 'path', 'query', 'body', 'other').chain((k) => junk.map((v): Mutation => (e) => void (details(e).request![k] = v))),
  fc.constantFrom('statusCode', 'body', 'other').chain((k) => fc.oneof(junk, fc.integer({ min: 0, max: 1000 })).map((v): Mutation => (e) => void (details(e).response![k] = v))),
  fc.oneof(brokenJson, fc.integer({ min: 44, max: 50 }).map(nest), fc.integer({ min: 19_950, max: 20_050 }).map((n) => new Array(n).fill(0))).map((v): Mutation => (e) => void (details(e).request!.body = v)),
  fc.tuple(arbBrokenText(6), fc.option(junk)).map(([field, before]): Mutation => (e) => void (details(e).changes = [{ field, before }] as never)),
  fc.tuple(arbBrokenText(6), junk).map(([k, v]): Mutation => (e) => void (details(e)[k] = v as never)),
);
const arbEntry = fc.oneof(arbAuditEntry, arbRequestEntry);
const arbMutated = fc.tuple(arbEntry, fc.array(arbMutation, { minLength: 0, maxLength: 3 })).map(([entry, mutations]) => {
  const e = structuredClone(entry) as unknown as Record<string, unknown>;
  for (const m of mutations) {
    try {
      m(e);
    } catch {
      // A mutation of a part an earlier one replaced by a scalar: that part is junk already.
    }
  }
  return e;
});

describe('checkEntry (the audit writer fast path)', () => {
  it('gives the verdict AuditEntrySchema gives, and the fast shape check never accepts what the schema refuses (generated)', () => {
    fc.assert(
      fc.property(arbMutated, (e) => {
        const schema = AuditEntrySchema.safeParse(e);
        const checked = checkEntry(e);
        assert.equal(checked.ok, schema.success, checked.ok ? 'fast path accepted an entry the schema refuses' : checked.problem);
        const json = JSON.stringify(e);
        if (json !== undefined && fitsEntryShape(e) && surelyWithinJsonLimits(e, json, RECORD_JSON_LIMITS)) assert.ok(schema.success);
        if (checked.ok && schema.success) {
          // The entry stored and published is the schema's entry.
          assert.deepEqual(JSON.parse(checked.encoded.json), JSON.parse(JSON.stringify(schema.data)));
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('takes the fast path for every entry the service derives, and encodes it exactly as JSON.stringify, the row with details as text (generated)', () => {
    fc.assert(
      fc.property(arbEntry, (entry) => {
        assert.ok(fitsEntryShape(entry), 'the shape check vouches for a schema-made entry');
        const checked = checkEntry(entry);
        assert.ok(checked.ok);
        assert.equal(checked.encoded.entry, entry, 'the entry itself, not a copy made by the schema');
        assert.equal(checked.encoded.json, JSON.stringify(entry));
        // The ClickHouse row: every column's text, escaped for TabSeparated, `details` as its JSON text.
        const unescape = (s: string) => s.replace(/\\(.)/g, (_, c: string) => ({ t: '\t', n: '\n', r: '\r' })[c] ?? c);
        const cells = checked.encoded.row.split('\t').map(unescape);
        const expected = AUDIT_ROW_COLUMNS.map((c) => (c === 'details' ? JSON.stringify(entry.details) : c === 'date' ? entry.date.replace('T', ' ').replace('Z', '') : entry[c]));
        assert.deepEqual(cells, expected);
        assert.ok(!/[\n\r]/.test(checked.encoded.row), 'one line');
      }),
      { numRuns: 500 },
    );
  });

  it('puts the same bytes on audit.log as serialising the whole envelope would, and they read back as the entry (generated)', () => {
    const codec = createEventCodec({ 'audit.entry': { version: 1, data: AuditEntrySchema } }, '/apptrail/audit');
    fc.assert(
      fc.property(arbEntry, (entry: AuditEntry) => {
        const checked = checkEntry(entry);
        assert.ok(checked.ok);
        const record = encodedToAuditLogRecord(checked.encoded);
        const whole = codec.serialise(codec.create('audit.entry', entry, { subject: entry.log_id, id: entry.log_id, time: entry.date }));
        assert.equal(record.value.toString('utf8'), whole.value.toString('utf8'));
        assert.deepEqual(record.headers, whole.headers);
        assert.equal(record.key, entry.log_id);
        // As JSON has it: an absent body is no key at all.
        assert.deepEqual(parseAuditLogRecord({ key: null, value: record.value, headers: record.headers }), JSON.parse(JSON.stringify(entry)));
      }),
      { numRuns: 300 },
    );
  });
});
