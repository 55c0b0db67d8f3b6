import { isDeepStrictEqual } from 'node:util';
import type { ClientState } from './fold.js';
import { SECRET_FIELDS } from './schema.js';

// Field-level differences for the audit log. Secret fields (and any *_sealed field) show only that
// they changed: their values are replaced by "REDACTED", as in Auth0's sapi log entries.

export const REDACTED = 'REDACTED';

export interface FieldChange {
  /** Dotted path, e.g. `refresh_token.token_lifetime`. */
  path: string;
  /** Absent when the field did not exist before. */
  before?: unknown;
  /** Absent when the field no longer exists. */
  after?: unknown;
}

const SECRETS = new Set<string>(SECRET_FIELDS);
const isSecretKey = (key: string) => SECRETS.has(key) || key.endsWith('_sealed');
const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function change(path: string, before: unknown, after: unknown, redact: boolean): FieldChange {
  const c: FieldChange = { path };
  if (before !== undefined) c.before = redact ? REDACTED : before;
  if (after !== undefined) c.after = redact ? REDACTED : after;
  return c;
}

function walk(before: Record<string, unknown>, after: Record<string, unknown>, prefix: string, out: FieldChange[]): void {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  for (const key of keys) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    const b = before[key];
    const a = after[key];
    if (isDeepStrictEqual(b, a)) continue;
    if (isSecretKey(key)) out.push(change(path, b, a, true));
    else if (isPlainObject(b) && isPlainObject(a)) walk(b, a, path, out);
    else out.push(change(path, b, a, false));
  }
}

/**
 * The changed leaves between two objects (undefined = nothing), sorted by path. Plain objects are
 * compared field by field; arrays and scalars as whole values.
 */
export function diff(before: Record<string, unknown> | undefined, after: Record<string, unknown> | undefined): FieldChange[] {
  const out: FieldChange[] = [];
  walk(before ?? {}, after ?? {}, '', out);
  return out;
}

/** Changes between two client states as the API shows them: config fields plus redacted secrets. */
export function diffClientStates(before: ClientState | undefined, after: ClientState | undefined): FieldChange[] {
  const view = (s: ClientState | undefined): Record<string, unknown> | undefined =>
    s && !s.deleted
      ? {
          ...s.config,
          client_secret: s.client_secret_sealed,
          ...(s.encryption_key_sealed === undefined ? {} : { encryption_key: s.encryption_key_sealed }),
        }
      : undefined;
  return diff(view(before), view(after));
}
