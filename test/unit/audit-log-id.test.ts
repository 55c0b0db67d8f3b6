import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LOG_ID_LENGTH, logIdTimeMs, makeLogId } from '../../shared/audit/index.js';

describe('makeLogId', () => {
  const t = Date.UTC(2026, 10, 23, 6, 0, 0, 123);

  it('is deterministic: the same event always gets the same id', () => {
    assert.equal(makeLogId(t, 'evt-1'), makeLogId(t, 'evt-1'));
    assert.notEqual(makeLogId(t, 'evt-1'), makeLogId(t, 'evt-2'));
    assert.notEqual(makeLogId(t, 'evt-1'), makeLogId(t + 1, 'evt-1'));
  });

  it('is 56 decimal digits, the first 16 being the epoch ms', () => {
    for (const [ms, key] of [[0, 'a'], [1, 'ü😀'], [t, 'x'.repeat(10_000)], [Number.MAX_SAFE_INTEGER, 'k']] as const) {
      const id = makeLogId(ms, key);
      assert.equal(id.length, LOG_ID_LENGTH);
      assert.match(id, /^[0-9]{56}$/);
      assert.equal(logIdTimeMs(id), ms);
    }
    assert.equal(makeLogId(t, 'evt-1').slice(0, 16), '0001795413600123');
  });

  it('sorts by time as a string, whatever the keys', () => {
    let seed = 42;
    const rand = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const made = Array.from({ length: 2000 }, (_, i) => {
      const ms = Math.floor(rand() * 4_000_000_000_000);
      return { ms, id: makeLogId(ms, `key-${i}-${rand()}`) };
    });
    const byId = [...made].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (let i = 1; i < byId.length; i++) {
      const [prev, cur] = [byId[i - 1], byId[i]];
      assert.ok(prev && cur && prev.ms <= cur.ms, `ids out of time order at ${i}`);
    }
    assert.equal(new Set(made.map((m) => m.id)).size, made.length, 'no collisions');
  });

  it('refuses times it cannot encode and empty keys', () => {
    for (const ms of [-1, 1.5, Number.NaN, Infinity, 10 ** 16]) {
      assert.throws(() => makeLogId(ms, 'k'), RangeError, String(ms));
    }
    assert.throws(() => makeLogId(t, ''), RangeError);
  });

  it('logIdTimeMs needs the 16 time digits', () => {
    assert.equal(logIdTimeMs('123'), undefined);
    assert.equal(logIdTimeMs('x'.repeat(56)), undefined);
    assert.equal(logIdTimeMs('0000000000001000'), 1000);
  });
});
