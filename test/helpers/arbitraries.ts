// fast-check arbitraries built from the zod schemas themselves, so a property over "every audit
// entry" follows the schema as it changes: a new optional field, a new `details` key or a new
// entry type is generated without touching the tests. The walker knows the zod kinds our schemas
// use and throws on any other, so a schema it cannot follow fails loudly instead of narrowing
// what is tested.
import fc from 'fast-check';
import type { z } from 'zod';
import { AuditEntrySchema, makeLogId, RequestRecordSchema, entryFromRequestRecord, type AuditEntry, type RequestRecord } from '../../shared/audit/index.js';
import { JsonObjectSchema } from '../../shared/audit/entry.js';
import { findJsonViolation } from '../../shared/http/json-limits.js';

interface Def {
  type: string;
  checks?: Array<{ _zod: { def: CheckDef } }>;
  [k: string]: unknown;
}
interface CheckDef {
  check: string;
  value?: number;
  inclusive?: boolean;
  minimum?: number;
  maximum?: number;
  format?: string;
  pattern?: RegExp;
  precision?: number | null;
}
type Schema = { _zod: { def: Def } };

/** Storable text: no lone surrogate (UTF-8 cannot encode one) and no NUL (the entry schema refuses both). */
const wellFormed = (s: string): boolean => s.isWellFormed() && !s.includes('\u0000');

/** Valid Unicode only, beyond ASCII and the BMP. */
export const arbText = (constraints: { minLength?: number; maxLength?: number } = {}): fc.Arbitrary<string> =>
  fc.oneof(
    fc.string({ unit: 'grapheme', ...constraints }),
    fc.string({ unit: 'binary', ...constraints }),
    fc.string({ unit: 'grapheme-ascii', ...constraints }),
  ).filter(wellFormed);

/** Milliseconds from 1970 to 2200: what a DateTime64(3) and the log id's 16 time digits both hold. */
export const arbDateMs = fc.integer({ min: 0, max: Date.UTC(2200, 0, 1) });

/**
 * JSON values as a request or response body holds them (the API parsed them from JSON): nested
 * objects and arrays, unicode keys and strings. Passed through JSON once because JSON has a single
 * zero: a body that said -0 is read back as 0, whichever way it travels.
 */
export const arbJsonValue: fc.Arbitrary<unknown> = fc
  .jsonValue({ maxDepth: 4, stringUnit: 'grapheme' })
  .map((v) => JSON.parse(JSON.stringify(v)) as unknown)
  .filter((v) => findJsonViolation(v) === undefined);

/** Names an unknown key of a loose object may have: the schema accepts any of them. */
const arbExtraKey = arbText({ minLength: 1, maxLength: 12 });

function checks(def: Def): CheckDef[] {
  return (def.checks ?? []).map((c) => c._zod.def);
}

/**
 * How `arbitraryOf` makes strings, when a caller wants other text than arbText: `text` for plain
 * bounded strings, `refined` for strings with a custom check (e.g. a URL format; return undefined
 * to fall back to text). Either way every string is then checked with its own schema.
 */
export interface ArbitraryOptions {
  text?: (bounds: { minLength?: number; maxLength?: number }) => fc.Arbitrary<string>;
  refined?: (params: Record<string, unknown>) => fc.Arbitrary<string> | undefined;
  /** Every generated string must also pass this (e.g. what the API accepts in any string). */
  accept?: (s: string) => boolean;
  /** Values of `unknown` (free-form) slots; arbJsonValue by default. */
  json?: fc.Arbitrary<unknown>;
}

const ADDRESS_FORMATS: Record<string, fc.Arbitrary<string>> = {
  ipv4: fc.ipV4(),
  ipv6: fc.ipV6(),
  cidrv4: fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 })).map(([ip, bits]) => `${ip}/${bits}`),
  cidrv6: fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 128 })).map(([ip, bits]) => `${ip}/${bits}`),
};

function stringArb(def: Def, opts: ArbitraryOptions, schema: Schema): fc.Arbitrary<string> {
  if (opts.text || opts.refined) return customStringArb(def, opts, schema);
  const all = [def as unknown as CheckDef, ...checks(def)];
  const format = all.find((c) => c.check === 'string_format');
  if (format?.format === 'datetime') {
    // No precision given: any, so milliseconds too.
    if (format.precision !== 3 && format.precision != null) throw new Error(`arbitraries: datetime precision ${String(format.precision)} is not supported`);
    return arbDateMs.map((ms) => new Date(ms).toISOString());
  }
  if (format?.format === 'regex' && format.pattern) return fc.stringMatching(format.pattern);
  const address = format?.format === undefined ? undefined : ADDRESS_FORMATS[format.format];
  // fast-check's address forms are wider than zod's (e.g. IPv4-mapped IPv6): keep what the schema takes.
  if (address) return address.filter((s) => (schema as unknown as z.ZodType).safeParse(s).success);
  if (format) throw new Error(`arbitraries: string format ${String(format.format)} is not supported`);
  const min = all.find((c) => c.check === 'min_length')?.minimum;
  const max = all.find((c) => c.check === 'max_length')?.maximum;
  return arbText({ ...(min === undefined ? {} : { minLength: min }), maxLength: max ?? 40 });
}

function customStringArb(def: Def, opts: ArbitraryOptions, schema: Schema): fc.Arbitrary<string> {
  const all = [def as unknown as CheckDef, ...checks(def)];
  const min = all.find((c) => c.check === 'min_length')?.minimum;
  const max = all.find((c) => c.check === 'max_length')?.maximum;
  const bounds = { ...(min === undefined ? {} : { minLength: min }), ...(max === undefined ? {} : { maxLength: max }) };
  const text = opts.text?.(bounds) ?? arbText({ ...bounds, maxLength: max ?? 40 });
  const format = all.find((c) => c.check === 'string_format');
  const custom = all.find((c) => c.check === 'custom') as (CheckDef & { params?: Record<string, unknown> }) | undefined;
  let arb: fc.Arbitrary<string> = text;
  if (format?.format === 'regex' && format.pattern) arb = fc.oneof({ weight: 1, arbitrary: fc.stringMatching(format.pattern) }, { weight: 3, arbitrary: text });
  else if (format) return stringArb(def, {}, schema);
  else if (custom) arb = opts.refined?.(custom.params ?? {}) ?? text;
  const check = schema as unknown as z.ZodType;
  const accept = opts.accept ?? (() => true);
  return arb.filter((s) => accept(s) && check.safeParse(s).success);
}

function numberArb(def: Def): fc.Arbitrary<number> {
  const all = [def as unknown as CheckDef, ...checks(def)];
  const integer = all.some((c) => c.check === 'number_format' && (c.format === 'safeint' || c.format === 'int32'));
  let min = integer ? Number.MIN_SAFE_INTEGER : -1e9;
  let max = integer ? Number.MAX_SAFE_INTEGER : 1e9;
  for (const c of all) {
    if (c.check === 'greater_than' && c.value !== undefined) min = c.inclusive ? c.value : c.value + (integer ? 1 : Number.EPSILON);
    if (c.check === 'less_than' && c.value !== undefined) max = c.inclusive ? c.value : c.value - (integer ? 1 : Number.EPSILON);
  }
  return integer ? fc.integer({ min, max }) : fc.double({ min, max, noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0));
}

/** An arbitrary for the OUTPUT of `schema` (defaults filled), for the kinds our schemas use. */
export function arbitraryOf<T>(schema: z.ZodType<T>, opts: ArbitraryOptions = {}): fc.Arbitrary<T> {
  return walkWith(schema as unknown as Schema, opts) as fc.Arbitrary<T>;
}

function walkWith(schema: Schema, opts: ArbitraryOptions): fc.Arbitrary<unknown> {
  const walk = (s: Schema) => walkWith(s, opts);
  const def = schema._zod.def;
  // The one custom schema: a JSON object kept as given (its keys may be anything, __proto__ too).
  // fast-check makes such dictionaries without a prototype; a decoded JSON object has one.
  if (schema === (JsonObjectSchema as unknown as Schema)) return fc.dictionary(fc.string(), opts.json ?? arbJsonValue, { maxKeys: 4 }).map((d) => JSON.parse(JSON.stringify(d)) as unknown);
  switch (def.type) {
    case 'string': return stringArb(def, opts, schema);
    case 'number': return numberArb(def);
    case 'boolean': return fc.boolean();
    case 'unknown':
    case 'any': return opts.json ?? arbJsonValue;
    case 'enum': return fc.constantFrom(...Object.values(def.entries as Record<string, string>));
    case 'literal': return fc.constantFrom(...(def.values as unknown[]));
    case 'nullable': return fc.option(walk(def.innerType as Schema), { nil: null });
    // Output type: a default is always filled in.
    case 'default':
    case 'prefault': return walk(def.innerType as Schema);
    case 'optional': return fc.option(walk(def.innerType as Schema), { nil: undefined });
    case 'union': return fc.oneof(...(def.options as Schema[]).map(walk));
    case 'array': {
      const max = checks(def).find((c) => c.check === 'max_length')?.maximum;
      const min = checks(def).find((c) => c.check === 'min_length')?.minimum;
      return fc.array(walk(def.element as Schema), { maxLength: Math.min(max ?? 4, 4), ...(min === undefined ? {} : { minLength: min }) });
    }
    case 'record': return fc.dictionary(walk(def.keyType as Schema) as fc.Arbitrary<string>, walk(def.valueType as Schema), { maxKeys: 4 });
    case 'object': return objectArb(def, walk, opts);
    default: throw new Error(`arbitraries: zod type "${def.type}" is not supported; extend test/helpers/arbitraries.ts`);
  }
}

function objectArb(def: Def, walk: (s: Schema) => fc.Arbitrary<unknown>, opts: ArbitraryOptions): fc.Arbitrary<Record<string, unknown>> {
  const shape = def.shape as Record<string, Schema>;
  const fields: Record<string, fc.Arbitrary<unknown>> = {};
  const required: string[] = [];
  for (const [key, field] of Object.entries(shape)) {
    // An optional field is generated ABSENT or present with a value, never present as undefined:
    // that is what a JSON round trip can represent.
    if (field._zod.def.type === 'optional') {
      fields[key] = walk(field._zod.def.innerType as Schema);
    } else {
      fields[key] = walk(field);
      required.push(key);
    }
  }
  const known = fc.record(fields, { requiredKeys: required });
  const catchall = def.catchall as Schema | undefined;
  if (catchall === undefined || catchall._zod.def.type === 'never') return known;
  const accept = opts.accept ?? (() => true);
  const extraKey = opts.text ? opts.text({ minLength: 1, maxLength: 12 }) : arbExtraKey;
  const extra = fc.dictionary(extraKey.filter((k) => !(k in shape) && accept(k)), walk(catchall), { maxKeys: 3 });
  return fc.tuple(known, extra).map(([k, e]) => ({ ...e, ...k }));
}

/**
 * Any entry AuditEntrySchema accepts: every type, unicode everywhere, nested bodies, optional
 * fields absent or present, unknown `details` keys (the loose part), whatever the schema grows.
 * The log id is then made from the date, as the schema's refinement demands.
 */
export const arbAuditEntry: fc.Arbitrary<AuditEntry> = arbitraryOf(AuditEntrySchema as unknown as z.ZodType<AuditEntry>)
  .chain((entry) => fc.string({ minLength: 1, maxLength: 20 }).map((key) => ({ ...entry, log_id: makeLogId(Date.parse(entry.date), key) })))
  .map((entry) => {
    const parsed = AuditEntrySchema.safeParse(entry);
    // The walker must only make valid entries; an invalid one is a walker bug the property reports.
    if (!parsed.success) throw new Error(`arbAuditEntry made an invalid entry: ${JSON.stringify(parsed.error.issues)}`);
    return parsed.data;
  });

/** What the API writes to audit.requests: refusals of every status (with or without a body) and secret reads. */
export const arbRequestRecord: fc.Arbitrary<RequestRecord> = arbitraryOf(RequestRecordSchema as unknown as z.ZodType<RequestRecord>);

/** fapi and mgmt_api_read entries as the audit service derives them from audit.requests. */
export const arbRequestEntry: fc.Arbitrary<AuditEntry> = fc
  .record({ record: arbRequestRecord, id: fc.uuid(), ms: arbDateMs, targetName: arbText({ maxLength: 20 }) })
  .map(({ record, id, ms, targetName }) => entryFromRequestRecord(id, new Date(ms).toISOString(), record, targetName));

const arbLoneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));

/** Any text, sometimes with a lone surrogate or a NUL spliced in (a splice may also pair up). */
export function arbBrokenText(maxLength: number): fc.Arbitrary<string> {
  const piece = fc.string({ unit: 'binary', maxLength: Math.ceil(maxLength / 2) });
  return fc.oneof(
    { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength }) },
    { weight: 1, arbitrary: fc.tuple(piece, fc.oneof(arbLoneSurrogate, fc.constant('\u0000')), piece).map((p) => p.join('')) },
  );
}

/** JSON-shaped values whose strings and keys may be broken (arbBrokenText): what an attacker sends. */
export function arbBrokenJson(opts: { maxDepth: number; maxEntries: number; textLength: number; numbers: fc.Arbitrary<number> }): fc.Arbitrary<unknown> {
  const text = arbBrokenText(opts.textLength);
  return fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthIdentifier: 'broken-json', maxDepth: opts.maxDepth },
      fc.constant(null),
      fc.boolean(),
      opts.numbers,
      text,
      fc.array(tie('value'), { maxLength: opts.maxEntries, depthIdentifier: 'broken-json' }),
      fc.dictionary(text, tie('value'), { maxKeys: opts.maxEntries, depthIdentifier: 'broken-json' }),
    ),
  })).value;
}
