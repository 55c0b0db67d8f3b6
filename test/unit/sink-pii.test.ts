import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { PII_FIELD_KEYS, PII_LOG_FIELDS, PiiConfigSchema, piiObfuscator, xxhash64Hex, type PiiConfig } from '../../shared/log-streams/index.js';
import {
  datadogSink, encodeBatch, httpSink, planBatches, splunkSink, streamContext, sumoSink,
  type AuditEntry, type EncodedBatch, type HttpSinkConfig, type SinkDefinition,
} from '../../shared/sinks/index.js';
import { arbAuditEntry, arbText } from '../helpers/arbitraries.js';

// pii_config on what a stream delivers: a value under a covered key never leaves in clear text, in
// any sink format; everything else arrives as written.

const COVERED_KEYS = [...new Set(Object.values(PII_FIELD_KEYS).flat())];
const OTHER_KEYS = ['nickname', 'client_name', 'description', 'names', 'Email'];
const ALL_KEYS = [...COVERED_KEYS, ...OTHER_KEYS];

const formats: Array<{ name: string; sink: SinkDefinition<unknown>; config: unknown }> = [
  { name: 'splunk', sink: splunkSink as SinkDefinition<unknown>, config: { splunkDomain: 'splunk.example.com', splunkToken: 'hec-token', splunkPort: '8088', splunkSecure: true } },
  { name: 'sumo', sink: sumoSink as SinkDefinition<unknown>, config: { sumoSourceAddress: 'https://endpoint1.collection.sumologic.com/receiver/v1/http/ZaVnC4dhaV' } },
  { name: 'datadog', sink: datadogSink as SinkDefinition<unknown>, config: { datadogApiKey: 'dd-key', datadogRegion: 'eu' } },
  ...(['JSONARRAY', 'JSONLINES', 'JSONOBJECT'] as const).map((format) => ({
    name: `http ${format}`, sink: httpSink as SinkDefinition<unknown>, config: { httpEndpoint: 'https://logs.example.com/in', httpContentFormat: format } satisfies HttpSinkConfig,
  })),
];

const text = (batch: EncodedBatch): string => (batch.headers['content-encoding'] === 'gzip' ? gunzipSync(batch.body) : batch.body).toString('utf8');

const arbConfig: fc.Arbitrary<PiiConfig> = fc
  .record({
    log_fields: fc.uniqueArray(fc.constantFrom(...PII_LOG_FIELDS), { minLength: 1 }),
    method: fc.option(fc.constantFrom('mask' as const, 'hash' as const), { nil: undefined }),
    algorithm: fc.option(fc.constant('xxhash' as const), { nil: undefined }),
  })
  .map((c) => PiiConfigSchema.parse(JSON.parse(JSON.stringify(c))));

/** A marker no generated text contains, then any text: finding the marker in a body means the value left. */
const arbMarked = fc.tuple(fc.uuid(), arbText({ maxLength: 12 })).map(([id, tail]) => `pii${id.replaceAll('-', '')}${tail}`);
const markerOf = (value: string) => value.slice(0, 35);

/** A planted value: text, or (as an address often is) an object holding it. */
interface Plant { key: string; value: string; asObject: boolean }
const arbPlant: fc.Arbitrary<Plant> = fc.record({ key: fc.constantFrom(...ALL_KEYS), value: arbMarked, asObject: fc.boolean() });
const wrapperKey = arbText({ minLength: 1, maxLength: 8 }).filter((k) => !COVERED_KEYS.includes(k));

interface Planted { entry: AuditEntry; plants: Plant[] }
const arbPlanted: fc.Arbitrary<Planted> = fc
  .record({
    entry: arbAuditEntry,
    userName: arbMarked,
    inRequest: arbPlant,
    inResponse: arbPlant,
    inChange: arbPlant,
    path: fc.array(wrapperKey, { maxLength: 3 }),
  })
  .map(({ entry, userName, inRequest, inResponse, inChange, path }) => {
    const put = (p: Plant): unknown => ({ [p.key]: p.asObject ? { line1: p.value } : p.value });
    const nest = (inner: unknown): unknown => path.reduceRight((acc, key) => ({ [key]: acc }), inner);
    const details = entry.details as { request: Record<string, unknown>; response: Record<string, unknown>; changes?: unknown[] };
    return {
      plants: [{ key: 'user_name', value: userName, asObject: false }, inRequest, inResponse, inChange],
      entry: {
        ...entry,
        user_name: userName,
        details: {
          ...details,
          request: { ...details.request, body: nest(put(inRequest)) },
          response: { ...details.response, body: put(inResponse) },
          changes: [...(details.changes ?? []), { field: `client_metadata.${inChange.key}`, after: inChange.asObject ? { line1: inChange.value } : inChange.value }],
        },
      },
    };
  });

describe('log stream pii_config', () => {
  it('no value under a covered key leaves in clear text, in any sink format; the rest arrives as written', async () => {
    await fc.assert(
      fc.asyncProperty(arbConfig, fc.array(arbPlanted, { minLength: 1, maxLength: 3 }), async (config, planted) => {
        const covered = new Set(config.log_fields.flatMap((f) => PII_FIELD_KEYS[f]));
        const entries = planted.map((p) => p.entry);
        const before = structuredClone(entries);
        const ctx = streamContext({ streamId: 'lst_0000000000000001', host: 'h', prepareEntry: piiObfuscator(config) });
        for (const { name, sink, config: sinkConfig } of formats) {
          const planned = planBatches(sink, sinkConfig, entries, ctx);
          assert.deepEqual(planned.flat().map((e) => e.log_id), entries.map((e) => e.log_id), `${name}: every entry planned, by its own log_id`);
          const body = (await Promise.all(planned.map((group) => encodeBatch(sink, sinkConfig, group, ctx)))).map(text).join('\n');
          for (const plant of planted.flatMap((p) => p.plants)) {
            const leaves = body.includes(markerOf(plant.value));
            if (covered.has(plant.key)) assert.ok(!leaves, `${name}: ${plant.key} (${config.method ?? 'mask'}) left in clear text`);
            else assert.ok(leaves, `${name}: ${plant.key} is not covered by ${config.log_fields.join(',')} and must arrive as written`);
          }
        }
        assert.deepEqual(entries, before, 'the entries themselves are not changed (dead letters keep the record as written)');
      }),
      { numRuns: 150 },
    );
  });

  it("masks each character with '*' and hashes with XXH64 (seed 0, hex)", () => {
    // XXH64 reference values: the empty input, and "a".
    assert.equal(xxhash64Hex(''), 'ef46db3751d8e999');
    assert.equal(xxhash64Hex('a'), 'd24ec4f1a98c6e5b');
    const entry = {
      log_id: '1', date: 'd', type: 'sapi', user_name: 'Ada Lövelace', client_name: 'Ada',
      details: {
        request: { body: { name: 'Ada', client_metadata: { email: 'ada@example.com', phone_number: 5551234 } } },
        changes: [{ field: 'name', before: 'Ada', after: 'Bob' }, { field: 'client_metadata.email', after: 'ada@example.com' }, { field: 'callbacks[0]', after: 'https://x' }],
      },
    };
    const masked = piiObfuscator({ log_fields: ['username', 'email'], method: 'mask' })(entry);
    assert.deepEqual(masked, {
      ...entry,
      user_name: '************',
      details: {
        request: { body: { name: 'Ada', client_metadata: { email: '***************', phone_number: 5551234 } } },
        changes: [{ field: 'name', before: 'Ada', after: 'Bob' }, { field: 'client_metadata.email', after: '***************' }, { field: 'callbacks[0]', after: 'https://x' }],
      },
    });
    const hashed = piiObfuscator({ log_fields: ['first_name', 'phone'], method: 'hash', algorithm: 'xxhash' })(entry);
    assert.equal(hashed.user_name, 'Ada Lövelace', 'username not configured');
    assert.equal(hashed.client_name, 'Ada', 'client_name is not a covered key');
    assert.deepEqual(hashed.details.request.body, { name: xxhash64Hex('Ada'), client_metadata: { email: 'ada@example.com', phone_number: xxhash64Hex('5551234') } });
    assert.deepEqual(hashed.details.changes[0], { field: 'name', before: xxhash64Hex('Ada'), after: xxhash64Hex('Bob') });
  });

  it('accepts what Auth0 accepts and refuses the rest', () => {
    assert.ok(PiiConfigSchema.safeParse({ log_fields: ['first_name'], method: 'mask', algorithm: 'xxhash' }).success);
    assert.ok(PiiConfigSchema.safeParse({ log_fields: ['email'] }).success);
    for (const bad of [{ log_fields: [] }, { log_fields: ['ssn'] }, { log_fields: ['email'], method: 'encrypt' }, { log_fields: ['email'], algorithm: 'sha256' }, { log_fields: ['email'], extra: 1 }, {}]) {
      assert.ok(!PiiConfigSchema.safeParse(bad).success, JSON.stringify(bad));
    }
  });
});
