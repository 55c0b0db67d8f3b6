import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { z } from 'zod';
import { createEventCodec, encodeStructured, PoisonRecordError, UnsupportedEventError } from '../../shared/events/index.js';
import { classifyFailure, describeFailure, DlqLimitState, failureSignature, RetryBatchError } from '../../shared/kafka/index.js';

describe('failure classification', () => {
  it('tells transient failures (dependencies) from deterministic ones (the records) and halts (newer schema)', () => {
    const cases: Array<[unknown, string]> = [
      [Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'transient'],
      [Object.assign(new Error('socket'), { code: 'UND_ERR_SOCKET' }), 'transient'],
      [Object.assign(new Error('Timeout exceeded'), { type: 'TIMEOUT_EXCEEDED', code: '159' }), 'transient'],
      [Object.assign(new Error('too many parts'), { type: 'TOO_MANY_PARTS', code: '252' }), 'transient'],
      [Object.assign(new Error('Cannot parse escape sequence'), { type: 'CANNOT_PARSE_ESCAPE_SEQUENCE', code: '25' }), 'deterministic'],
      [Object.assign(new Error('bad'), { name: 'KafkaJSConnectionError' }), 'transient'],
      [Object.assign(new Error('fenced'), { name: 'KafkaJSProtocolError', type: 'INVALID_PRODUCER_EPOCH', retriable: false }), 'transient'],
      [Object.assign(new Error('too big'), { name: 'KafkaJSProtocolError', type: 'MESSAGE_TOO_LARGE', retriable: false }), 'deterministic'],
      [new PoisonRecordError('nope'), 'deterministic'],
      [new RangeError('Maximum call stack size exceeded'), 'deterministic'],
      [new UnsupportedEventError('newer'), 'halt'],
      [new RetryBatchError('stream still running'), 'transient'],
      // @clickhouse/client's request timeout against a hung server.
      [new Error('Timeout error.'), 'transient'],
      [new Error('who knows'), 'unknown'],
      ['a string', 'unknown'],
      // A wrapper around a network error is about the network.
      [new Error('insert failed', { cause: Object.assign(new Error('reset'), { code: 'ECONNRESET' }) }), 'transient'],
    ];
    for (const [err, expected] of cases) assert.equal(classifyFailure(err), expected, String((err as Error).message ?? err));
  });

  it('never throws, whatever is thrown (generated)', () => {
    fc.assert(fc.property(fc.anything({ withObjectString: true, withNullPrototype: true }), (thrown) => {
      // A null-prototype object once made failureSignature itself throw (found by this property).
      assert.equal(typeof describeFailure(thrown), 'string');
      assert.ok(['transient', 'deterministic', 'halt', 'unknown'].includes(classifyFailure(thrown)));
      assert.equal(typeof failureSignature(thrown), 'string');
    }), { numRuns: 500 });
  });

  it('sees the same failure in messages that differ only by numbers (offsets, timings)', () => {
    assert.equal(failureSignature(new Error('row 12 at offset 400 failed')), failureSignature(new Error('row 7 at offset 9 failed')));
    assert.notEqual(failureSignature(new Error('a failed')), failureSignature(new TypeError('a failed')));
  });
});

describe('dead-letter limit', () => {
  it('admits dead letters until the consecutive or ratio limit, per partition (generated against a model)', () => {
    fc.assert(
      fc.property(
        fc.record({ maxConsecutive: fc.integer({ min: 1, max: 10 }), maxInvalidRatio: fc.double({ min: 0.01, max: 1, noNaN: true }), minRecords: fc.integer({ min: 1, max: 30 }) }),
        fc.array(fc.tuple(fc.constantFrom('p0', 'p1'), fc.oneof(fc.constant('dead' as const), fc.integer({ min: 1, max: 5 }))), { maxLength: 60 }),
        (limit, steps) => {
          const state = new DlqLimitState(limit);
          const model = new Map<string, { valid: number; invalid: number; run: number }>();
          for (const [p, step] of steps) {
            const m = model.get(p) ?? { valid: 0, invalid: 0, run: 0 };
            model.set(p, m);
            if (step === 'dead') {
              const seen = m.valid + m.invalid + 1;
              const expectOk = m.run + 1 <= limit.maxConsecutive && !(seen >= limit.minRecords && (m.invalid + 1) / seen > limit.maxInvalidRatio);
              assert.equal(state.admit(p).ok, expectOk);
              if (expectOk) {
                m.invalid++;
                m.run++;
              }
            } else {
              state.handled(p, step);
              m.valid += step;
              m.run = 0;
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('schema evolution in the event codec', () => {
  const V1 = z.object({ name: z.string() });
  const V2 = z.object({ display_name: z.string(), tags: z.array(z.string()) });
  const reader = createEventCodec({ 'thing.made': { version: 2, data: V2, upcast: { 1: (d) => ({ display_name: (d as z.infer<typeof V1>).name, tags: [] }) } } }, '/t');
  const writerV1 = createEventCodec({ 'thing.made': { version: 1, data: V1 } }, '/t');
  const writerV3 = createEventCodec({ 'thing.made': { version: 3, data: V2 } }, '/t');

  it('upcasts an older version to the current shape', () => {
    const rec = writerV1.serialise(writerV1.create('thing.made', { name: 'x' }, {}));
    const ev = reader.parse({ key: null, value: rec.value, headers: rec.headers });
    assert.deepEqual(ev.data, { display_name: 'x', tags: [] });
    assert.equal(ev.schemaversion, 2);
  });

  it('refuses to skip a newer version or an unknown type (UnsupportedEventError), and poisons what is not an event', () => {
    const newer = writerV3.serialise(writerV3.create('thing.made', { display_name: 'x', tags: [] }, {}));
    assert.throws(() => reader.parse({ key: null, value: newer.value, headers: newer.headers }), UnsupportedEventError);
    const unknown = encodeStructured({ specversion: '1.0', id: '1', source: '/t', type: 'thing.unmade', time: new Date().toISOString(), schemaversion: 1, data: {} });
    assert.throws(() => reader.parse({ key: null, value: unknown.value, headers: unknown.headers }), UnsupportedEventError);
    // Object.prototype names are not event types.
    const proto = encodeStructured({ specversion: '1.0', id: '1', source: '/t', type: 'constructor', time: new Date().toISOString(), schemaversion: 1, data: {} });
    assert.throws(() => reader.parse({ key: null, value: proto.value, headers: proto.headers }), UnsupportedEventError);
    assert.throws(() => reader.parse({ key: null, value: Buffer.from('{"x":'), headers: {} }), PoisonRecordError);
  });
});
