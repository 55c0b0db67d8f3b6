// redactSecrets copies request and response bodies into audit entries: the copy must keep every
// key of the body (a `__proto__` key included) and hide every secret value, whatever the nesting.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { redactSecrets } from '../../shared/audit/index.js';
import { arbJsonValue } from '../helpers/arbitraries.js';

/** The same JSON text, secret values replaced: what the copy must serialise to. */
function expected(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value), function (this: Record<string, unknown>, key, v: unknown) {
    const secret = key === 'client_secret' || key === 'access_token' || key.endsWith('_sealed');
    return secret && v !== null ? 'REDACTED' : v;
  });
}

describe('redactSecrets', () => {
  it('keeps a __proto__ key as a key (not as the prototype) and redacts beneath it', () => {
    const body = JSON.parse('{"__proto__":{"client_secret":"s3cret","x":[1]},"a":{"__proto__":[]}}') as unknown;
    const copy = redactSecrets(body) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(copy), Object.prototype);
    assert.ok(Object.hasOwn(copy, '__proto__'));
    assert.equal(JSON.stringify(copy), '{"__proto__":{"client_secret":"REDACTED","x":[1]},"a":{"__proto__":[]}}');
  });

  it('serialises like the body with its secrets replaced, for any JSON body (generated, __proto__ keys included)', () => {
    const key = fc.oneof(fc.constantFrom('__proto__', 'client_secret', 'access_token', 'key_sealed', 'constructor'), fc.string({ maxLength: 6 }));
    const body = fc.letrec<{ v: unknown }>((tie) => ({
      v: fc.oneof({ depthSize: 'small' }, arbJsonValue, fc.array(tie('v'), { maxLength: 3 }), fc.array(fc.tuple(key, tie('v')), { maxLength: 4 }).map((pairs) => JSON.parse(`{${pairs.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'}`).join(',')}}`) as unknown)),
    })).v;
    fc.assert(fc.property(body, (b) => assert.deepEqual(JSON.parse(JSON.stringify(redactSecrets(b))), expected(b))));
  });
});
