import { AUDIT_TEXT_FIELDS, AuditEntrySchema, type AuditEntry } from './entry.js';

/**
 * When an action's full entry cannot be built, stored or delivered (a value ClickHouse refuses,
 * a body too deep to redact, an entry a sink rejects), the action must still be in the trail: this
 * makes the degraded entry for it. It keeps the log_id, date and type, the top-level fields made
 * storable, the request line and status, and replaces everything else in `details` by a note
 * saying what was dropped and why. The original goes to the dead-letter topic beside it.
 */

export interface DegradedNote {
  reason: string;
  /** Paths of what was removed or altered, e.g. `details.request.body`, `description`. */
  dropped: string[];
}

const MAX_TEXT = 2000;
const MAX_REASON = 500;

const TEXT_FIELDS = AUDIT_TEXT_FIELDS;

/** Well-formed Unicode without NUL, bounded: what ClickHouse, JSON and every sink accept. */
export function storableText(value: unknown, max = MAX_TEXT): string {
  const s = typeof value === 'string' ? value : value === undefined || value === null ? '' : textOf(value);
  // eslint-disable-next-line no-control-regex
  const clean = s.toWellFormed().replace(/\u0000/g, '');
  if (clean.length <= max) return clean;
  // Never cut a surrogate pair in half: that would make the lone surrogate this removes.
  const end = /[\ud800-\udbff]/.test(clean[max - 1]!) ? max - 1 : max;
  return clean.slice(0, end);
}

/**
 * Some text for any value, never a throw: this is the last resort for what nothing else could
 * store, and String() throws for an object whose toString is not a function (seed -525992761).
 */
function textOf(value: unknown): string {
  try {
    return String(value);
  } catch {
    try {
      return JSON.stringify(value) ?? '';
    } catch {
      return Object.prototype.toString.call(value);
    }
  }
}

/** The skeleton an entry needs: what identifies the action. Everything else is optional here. */
export type DegradableEntry = Pick<AuditEntry, 'log_id' | 'date' | 'type'> & Partial<Record<(typeof TEXT_FIELDS)[number], unknown>> & { details?: unknown };

export function degradeEntry(entry: DegradableEntry, reason: string): AuditEntry {
  const dropped: string[] = [];
  const top: Record<string, string> = {};
  for (const field of TEXT_FIELDS) {
    const value = entry[field];
    const text = storableText(value);
    if (value !== undefined && value !== text) dropped.push(field);
    top[field] = text;
  }
  const details = (typeof entry.details === 'object' && entry.details !== null ? entry.details : {}) as Record<string, unknown>;
  const request = (typeof details.request === 'object' && details.request !== null ? details.request : {}) as Record<string, unknown>;
  const response = (typeof details.response === 'object' && details.response !== null ? details.response : {}) as Record<string, unknown>;
  const status = Number.isInteger(response.statusCode) && (response.statusCode as number) >= 100 && (response.statusCode as number) <= 599 ? (response.statusCode as number) : 500;
  // Degrading a degraded entry again keeps the first note's account of what was lost.
  const earlier = details.degraded as Partial<DegradedNote> | undefined;
  if (Array.isArray(earlier?.dropped)) dropped.push(...earlier.dropped.filter((d): d is string => typeof d === 'string'));
  for (const k of Object.keys(details)) if (k !== 'request' && k !== 'response' && k !== 'degraded') dropped.push(`details.${k}`);
  for (const k of Object.keys(request)) if (k !== 'method' && k !== 'path') dropped.push(`details.request.${k}`);
  for (const k of Object.keys(response)) if (k !== 'statusCode') dropped.push(`details.response.${k}`);
  const why = typeof earlier?.reason === 'string' ? `${reason}; before that: ${earlier.reason}` : reason;
  const note: DegradedNote = { reason: storableText(why, MAX_REASON), dropped: [...new Set(dropped.map((d) => storableText(d, 200)))] };
  return AuditEntrySchema.parse({
    log_id: entry.log_id,
    date: entry.date,
    type: entry.type,
    ...top,
    details: {
      request: { method: storableText(request.method, 16), path: storableText(request.path), query: {} },
      response: { statusCode: status },
      degraded: note,
    },
  });
}
