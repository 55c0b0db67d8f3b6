/// <reference lib="es2024.string" />
// The request limits over generated JSON: accepted exactly when every string and key is
// well-formed Unicode without NUL and the value stays within depth and entry limits; a refusal is
// always Auth0's 400 naming the first offending path in document order.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { arbBrokenJson, arbBrokenText } from '../helpers/arbitraries.js';
import { ClientCreateSchema, ClientUpdateSchema, FREE_FORM_LIMITS } from '../../shared/clients/index.js';
import { LogStreamUpdateSchema } from '../../shared/log-streams/index.js';
import { Auth0Error, fromZodError } from '../../shared/errors/auth0-error.js';
import { formatPath } from '../../shared/errors/from-zod.js';
import {
  fieldLimitViolations, findJsonViolation, jsonDepth, refuseOutsideLimits, REQUEST_JSON_LIMITS, stringProblem, type JsonLimits, type JsonViolation,
} from '../../shared/http/json-limits.js';

/** Mostly clean strings; some with a lone surrogate or a NUL spliced in (a splice may also pair up). */
const text = arbBrokenText(6);
const json = arbBrokenJson({ maxDepth: 6, maxEntries: 5, textLength: 6, numbers: fc.integer() });
/** As the parser hands it over: JSON.stringify escapes lone surrogates and JSON.parse restores them. */
const parsedJson = json.map((v) => JSON.parse(JSON.stringify(v)) as unknown);
const limits = fc.record({ maxDepth: fc.integer({ min: 1, max: 6 }), maxEntries: fc.integer({ min: 1, max: 40 }) });

const isClean = (s: string) => s.isWellFormed() && !s.includes('\u0000');

/** The oracle: the same rules written recursively (fine for the small generated values). */
function expectedViolation(value: unknown, lim: JsonLimits): JsonViolation | undefined {
  let entries = 0;
  const visit = (node: unknown, path: PropertyKey[], depth: number): JsonViolation | undefined => {
    if (typeof node === 'string') return isClean(node) ? undefined : { path, text: 'string' };
    if (node === null || typeof node !== 'object') return undefined;
    if (depth >= lim.maxDepth) return { path, text: 'depth' };
    const pairs: Array<[PropertyKey, unknown]> = Array.isArray(node) ? node.map((v, i) => [i, v]) : Object.entries(node);
    entries += pairs.length;
    if (entries > lim.maxEntries) return { path, text: 'entries' };
    if (pairs.some(([k]) => typeof k === 'string' && !isClean(k))) return { path, text: 'key' };
    for (const [k, v] of pairs) {
      const found = visit(v, [...path, k], depth + 1);
      if (found) return found;
    }
    return undefined;
  };
  return visit(value, [], 0);
}

const kindOf = (text: string) =>
  text.startsWith('Invalid property name') ? 'key' : text.startsWith('String') ? 'string' : text.startsWith('Value is nested') ? 'depth' : 'entries';

function nested(depth: number, keys: string[]): unknown {
  let value: unknown = 'leaf';
  for (let i = depth - 1; i >= 0; i--) value = i % 2 === 0 ? { [keys[i % keys.length]!]: value } : [value];
  return value;
}
const nestedPath = (depth: number, keys: string[]) => Array.from({ length: depth }, (_, i) => (i % 2 === 0 ? keys[i % keys.length]! : 0));

describe('request JSON limits', () => {
  it('finds a bad character exactly when the string is not well-formed or holds NUL', () => {
    fc.assert(
      fc.property(text, (s) => {
        const problem = stringProblem(s);
        assert.equal(problem === undefined, isClean(s));
        if (problem?.includes('NUL')) assert.ok(s.includes('\u0000'));
        if (problem?.includes('surrogate')) assert.ok(!s.isWellFormed());
      }),
      { numRuns: 5_000 },
    );
  });

  it('accepts a generated value iff it is clean and within limits, and names the first offending path', () => {
    fc.assert(
      fc.property(parsedJson, limits, (value, lim) => {
        const expected = expectedViolation(value, lim);
        const found = findJsonViolation(value, lim);
        assert.deepEqual(found && { path: found.path, kind: kindOf(found.text) }, expected && { path: expected.path, kind: expected.text });
      }),
      { numRuns: 3_000 },
    );
  });

  it('refuses only with Auth0\'s 400 naming the path, whatever the value', () => {
    fc.assert(
      fc.property(parsedJson, (value) => {
        try {
          refuseOutsideLimits(value, 'body');
          assert.equal(expectedViolation(value, REQUEST_JSON_LIMITS), undefined);
        } catch (err) {
          assert.ok(err instanceof Auth0Error, String(err));
          const body = err.toJSON();
          assert.deepEqual(Object.keys(body).sort(), ['error', 'errorCode', 'message', 'statusCode']);
          assert.equal(body.statusCode, 400);
          assert.equal(body.errorCode, 'invalid_body');
          const at = expectedViolation(value, REQUEST_JSON_LIMITS)!.path;
          assert.ok(body.message.startsWith('Payload validation error: '), body.message);
          if (at.length > 0) assert.ok(body.message.includes(`' on property ${formatPath(at)}.`), body.message);
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('refuses nesting past the maximum at the container that goes too deep, whatever the depth', () => {
    const keys = fc.array(fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 3 });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2_000 }), keys, (depth, names) => {
        const found = findJsonViolation(nested(depth, names));
        if (depth <= REQUEST_JSON_LIMITS.maxDepth) return assert.equal(found, undefined);
        assert.deepEqual(found?.path, nestedPath(REQUEST_JSON_LIMITS.maxDepth, names));
        assert.match(found.text, /nested too deeply \(more than 32 levels\)/);
      }),
      { numRuns: 300 },
    );
  });

  it('survives the deepest body that fits in 1 MiB: JSON.parse is iterative and so is the guard', () => {
    for (const depth of [100_000, 524_000]) {
      const parsed = JSON.parse('['.repeat(depth) + ']'.repeat(depth)) as unknown;
      const found = findJsonViolation(parsed);
      assert.equal(found?.path.length, REQUEST_JSON_LIMITS.maxDepth);
      assert.equal(jsonDepth(parsed, 40), 41, 'depth counting stops early too');
    }
  });

  it('refuses more entries than the maximum, however they are spread', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 30_000 }), fc.integer({ min: 1, max: 50 }), (n, width) => {
        // n entries: one array of rows, each row an array of at most `width` items.
        const rows = Math.ceil(n / (width + 1));
        const value = Array.from({ length: rows }, (_, r) => Array.from({ length: Math.min(width, Math.max(0, n - rows - r * width)) }, () => 0));
        const total = rows + value.reduce((sum, row) => sum + row.length, 0);
        const found = findJsonViolation(value);
        assert.equal(found === undefined, total <= REQUEST_JSON_LIMITS.maxEntries, `${total} entries`);
        if (found) assert.match(found.text, /Too many properties and array items \(more than 10000 in all\)/);
      }),
      { numRuns: 200 },
    );
  });
});

describe('free-form field limits', () => {
  const deep = (levels: number) => nested(levels, ['k']);
  const fields = Object.entries(FREE_FORM_LIMITS).map(([field, lim]) => ({ field, ...lim! }));

  it('limits the depth of every pass-through object on create and update, naming the field', () => {
    fc.assert(
      fc.property(fc.constantFrom(...fields), fc.integer({ min: 1, max: 12 }), fc.constantFrom('create', 'update'), ({ field, maxDepth }, levels, kind) => {
        // The field's own object is level 1; its content nests the rest.
        const value = { k: deep(levels - 1) };
        const violations = fieldLimitViolations({ [field]: value }, FREE_FORM_LIMITS as Record<string, { maxDepth: number; maxBytes: number }>);
        assert.equal(violations.length > 0, levels > maxDepth);
        if (levels <= maxDepth) return;
        const schema = kind === 'create' ? ClientCreateSchema : ClientUpdateSchema;
        const result = schema.safeParse({ ...(kind === 'create' ? { name: 'a' } : {}), [field]: value }, { reportInput: true });
        assert.ok(!result.success);
        const message = fromZodError(result.error, { schema }).message;
        // Another check on the field's own shape may speak first; then it still names the field.
        assert.match(message, new RegExp(`on property ${field}[.\\[ ]`), message);
      }),
      { numRuns: 300 },
    );
  });

  it('limits the size of a pass-through object as JSON', () => {
    const result = ClientCreateSchema.safeParse({ name: 'a', addons: { samlp: { blob: 'x'.repeat(70_000) } } }, { reportInput: true });
    assert.ok(!result.success);
    assert.equal(
      fromZodError(result.error, { schema: ClientCreateSchema }).message,
      "Payload validation error: 'Object is too large (70021 bytes as JSON), maximum 65536' on property addons (Add-on settings, keyed by add-on).",
    );
    assert.ok(ClientCreateSchema.safeParse({ name: 'a', addons: { samlp: { mappings: { email: 'http://schemas/email' }, logout: { slo_enabled: true } } } }).success);
  });

  it('limits the sink of a log stream PATCH', () => {
    const result = LogStreamUpdateSchema.safeParse({ sink: deep(6) });
    assert.ok(!result.success);
    assert.equal(fromZodError(result.error, { schema: LogStreamUpdateSchema }).message, "Payload validation error: 'Object is nested too deeply (more than 4 levels)' on property sink (Sink fields to change; the others keep their value).");
    assert.ok(LogStreamUpdateSchema.safeParse({ sink: { httpEndpoint: 'https://x.example.com' } }).success);
  });
});
