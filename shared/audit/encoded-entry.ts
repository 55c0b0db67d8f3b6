import { AUDIT_LOG_TYPES, AUDIT_TEXT_FIELDS, AuditEntrySchema, type AuditEntry } from './entry.js';
import type { ChainLink } from './chain.js';
import { LOG_ID_PATTERN, logIdTimeMs } from './log-id.js';
import { RECORD_JSON_LIMITS } from '../http/json-limits.js';
import { surelyWithinJsonLimits } from '../http/json-text-limits.js';

/**
 * An entry checked against AuditEntrySchema together with its encodings, made once: `json` is
 * exactly JSON.stringify(entry) (audit.log carries it inside its envelope), `row` its audit_log
 * row as a TabSeparated line in AUDIT_ROW_COLUMNS order, `details` as its JSON text. The engine
 * reads a text field about twice as fast as it reads a JSON object back into text (measured on
 * chDB: ~30 vs ~65 µs of engine CPU per 2 KB entry), and the JSON text of `details` is made once
 * for both.
 */
export interface EncodedEntry {
  entry: AuditEntry;
  json: string;
  row: string;
  /** Its place in its hash chain (chain.ts linkEntries), when linked: then `json` and `row` carry it too. */
  link?: ChainLink;
}

/** The columns of EncodedEntry.row, in order. */
export const AUDIT_ROW_COLUMNS = ['log_id', 'date', 'type', ...AUDIT_TEXT_FIELDS, 'details'] as const;

export type EntryCheck = { ok: true; encoded: EncodedEntry } | { ok: false; problem: string };

/**
 * AuditEntrySchema's verdict on `entry`, and its JSON text when it fits. Entries the audit
 * service derives are plain data of a known shape, so a hand-written check of exactly what the
 * schema requires (fitsEntryShape, plus the record limits on the JSON text) settles almost all of
 * them; anything it cannot vouch for goes through the schema itself, which has the last word and
 * words the problem. The fast check only ever says "fits" when the schema would (a property test
 * holds it to that), so the verdict is the schema's either way.
 */
export function checkEntry(entry: unknown): EntryCheck {
  if (fitsEntryShape(entry)) {
    let encoded: EncodedEntry | undefined;
    try {
      encoded = encodeEntry(entry);
    } catch {
      encoded = undefined; // a cycle or a BigInt in a body: not an entry; the schema says why
    }
    if (encoded && surelyWithinJsonLimits(entry, encoded.json, RECORD_JSON_LIMITS)) return { ok: true, encoded };
  }
  const checked = AuditEntrySchema.safeParse(entry);
  if (!checked.success) {
    return { ok: false, problem: checked.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
  }
  // The schema's output (defaults filled in) is what gets stored.
  return { ok: true, encoded: encodeEntry(checked.data) };
}

/**
 * The encodings of an entry that fits AuditEntrySchema (checkEntry's, or one the schema made,
 * e.g. degradeEntry's): every top-level value is a string except `details`.
 */
export function encodeEntry(entry: AuditEntry): EncodedEntry {
  const details = JSON.stringify(entry.details);
  // JSON.stringify(entry) with the details text spliced in: the same text, `details` encoded once.
  const fields = entry as unknown as Record<string, unknown>;
  let json = '{';
  for (const key in fields) {
    const value = fields[key];
    if (value === undefined) continue;
    // Keys are the schema's own names: plain ASCII, nothing to escape.
    json += `${json.length > 1 ? ',' : ''}"${key}":${key === 'details' ? details : JSON.stringify(value)}`;
  }
  let row = `${entry.log_id}\t${entry.date.slice(0, 10)} ${entry.date.slice(11, 23)}\t${entry.type}`;
  for (const f of AUDIT_TEXT_FIELDS) row += `\t${tsvEscape(entry[f])}`;
  row += `\t${tsvEscape(details)}`;
  return { entry, json: `${json}}`, row };
}

// TabSeparated text: a tab, a line break or a backslash in a value must be escaped (and \r, so no
// reader takes it for a line end). JSON text has no raw control characters, so `details` only ever
// needs its backslashes doubled.
const TSV_SPECIAL = /[\\\t\n\r]/;
const TSV_SPECIALS = /[\\\t\n\r]/g;
const TSV_ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

function tsvEscape(s: string): string {
  return TSV_SPECIAL.test(s) ? s.replace(TSV_SPECIALS, (c) => TSV_ESCAPES[c]!) : s;
}

const TEXT_FIELDS = AUDIT_TEXT_FIELDS;
const ENTRY_KEYS = TEXT_FIELDS.length + 4; // + log_id, date, type, details
const TYPES = new Set<unknown>(AUDIT_LOG_TYPES);
const VERDICTS = new Set<unknown>(['applied', 'conflict']);
const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const REQUEST_KEYS = new Set(['method', 'path', 'query', 'body']);
const RESPONSE_KEYS = new Set(['statusCode', 'body']);
const CHANGE_KEYS = new Set(['field', 'before', 'after']);
const DEGRADED_KEYS = new Set(['reason', 'dropped']);

const isPlainObject = (v: unknown): v is Record<string, unknown> => {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
};
const isStringArray = (v: unknown): boolean => Array.isArray(v) && v.every((s) => typeof s === 'string');

/** Only own keys, all of them in `allowed`. */
function keysWithin(obj: Record<string, unknown>, allowed: ReadonlySet<string>): boolean {
  for (const k in obj) if (!allowed.has(k) || !Object.hasOwn(obj, k)) return false;
  return true;
}

/**
 * AuditEntrySchema's shape and refinements, minus the JSON limits, written out for speed. Stricter
 * than the schema where that is simpler (no unknown keys where the schema would strip them, every
 * optional Auth0 text present): an entry it refuses still gets the schema's own verdict.
 */
export function fitsEntryShape(e: unknown): e is AuditEntry {
  if (!isPlainObject(e)) return false;
  if (Object.keys(e).length !== ENTRY_KEYS) return false;
  for (const f of TEXT_FIELDS) if (typeof e[f] !== 'string') return false;
  const { log_id, date, type, details } = e;
  if (typeof log_id !== 'string' || !LOG_ID_PATTERN.test(log_id)) return false;
  if (typeof date !== 'string' || !ISO_MS.test(date)) return false;
  const ms = Date.parse(date);
  // Canonical: the date is exactly what toISOString prints for its time (so a real calendar date).
  if (Number.isNaN(ms) || new Date(ms).toISOString() !== date || logIdTimeMs(log_id) !== ms) return false;
  if (!TYPES.has(type)) return false;
  return fitsDetails(details);
}

function fitsDetails(d: unknown): boolean {
  if (!isPlainObject(d)) return false;
  const { request, response, accessedSecrets, changes, verdict, degraded } = d;
  if (!isPlainObject(request) || !keysWithin(request, REQUEST_KEYS)) return false;
  if (typeof request.method !== 'string' || typeof request.path !== 'string' || !isPlainObject(request.query)) return false;
  if (!isPlainObject(response) || !keysWithin(response, RESPONSE_KEYS)) return false;
  const status = response.statusCode;
  if (!Number.isSafeInteger(status) || (status as number) < 100 || (status as number) > 599) return false;
  if (accessedSecrets !== undefined && !isStringArray(accessedSecrets)) return false;
  if (changes !== undefined) {
    if (!Array.isArray(changes)) return false;
    for (const c of changes) {
      if (!isPlainObject(c) || !keysWithin(c, CHANGE_KEYS) || typeof c.field !== 'string' || c.field.length === 0) return false;
    }
  }
  if (verdict !== undefined && !VERDICTS.has(verdict)) return false;
  if (degraded !== undefined) {
    if (!isPlainObject(degraded) || !keysWithin(degraded, DEGRADED_KEYS) || typeof degraded.reason !== 'string' || !isStringArray(degraded.dropped)) return false;
  }
  return true;
}
