import xxhash from 'xxhash-wasm';
import { z } from 'zod';

// Auth0's PII obfuscation for log streams (`pii_config`, DOCS:customize/log-streams "PII
// obfuscation"; field list and shape from the SDK's LogStreamPiiConfig and Auth0's OAS).

export const PII_LOG_FIELDS = ['first_name', 'last_name', 'username', 'email', 'phone', 'address'] as const;
export type PiiLogField = (typeof PII_LOG_FIELDS)[number];

export const PiiConfigSchema = z.strictObject({
  log_fields: z.array(z.enum(PII_LOG_FIELDS)).min(1).max(PII_LOG_FIELDS.length).describe('Which PII to obfuscate in what the stream delivers'),
  method: z.enum(['mask', 'hash']).optional().describe('mask: each character becomes "*"; hash: the value becomes its xxHash (XXH64, hex). Omitted: mask'),
  algorithm: z.enum(['xxhash']).optional().describe('The hash for method "hash"; Auth0 offers only xxhash'),
});
export type PiiConfig = z.infer<typeof PiiConfigSchema>;

/**
 * The entry keys each log field covers, as Auth0's docs list them. They apply at any depth of an
 * apptrail entry: the top-level `user_name` (the caller's name from its token), and keys of the
 * request and response bodies (`details.request.body`, `details.response.body`), e.g. a client's
 * `name` or a `client_metadata.email`. `name` is covered by first_name and by last_name, as at Auth0.
 */
export const PII_FIELD_KEYS: { readonly [F in PiiLogField]: readonly string[] } = {
  first_name: ['first_name', 'given_name', 'name'],
  last_name: ['last_name', 'family_name', 'name'],
  email: ['email'],
  phone: ['phone', 'phone_number', 'old_phone_number', 'new_phone_number'],
  address: ['address'],
  username: ['username', 'user_name'],
};

// Compiled once per process: the module is small and instantiating it takes a few milliseconds.
const { h64ToString } = await xxhash();

/** XXH64 with seed 0 over the UTF-8 text, as 16 hex digits. */
export function xxhash64Hex(text: string): string {
  return h64ToString(text);
}

type Entry = { [k: string]: unknown };

/** The last key of a diff path (`client_metadata.email` → `email`, `callbacks[0]` → `callbacks`). */
function lastKey(path: string): string {
  return (path.split('.').pop() ?? '').replace(/\[\d+\]$/, '');
}

/**
 * The entry as a stream with this config delivers it: the value of every covered key is replaced,
 * wherever it is, and so are the `before`/`after` of a `details.changes` item whose field is a
 * covered key. A value that is not text (an address object, a number) is obfuscated as its JSON.
 * Objects that hold nothing covered are passed on as they are, not copied.
 */
export function piiObfuscator(config: PiiConfig): <E extends Entry>(entry: E) => E {
  const keys = new Set(config.log_fields.flatMap((f) => PII_FIELD_KEYS[f]));
  const hide = (value: unknown): unknown => {
    if (value === null || value === undefined) return value;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    return config.method === 'hash' ? xxhash64Hex(text) : '*'.repeat([...text].length);
  };
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) {
      let out: unknown[] | undefined;
      value.forEach((item, i) => {
        const next = walk(item);
        if (next !== item) (out ??= [...value])[i] = next;
      });
      return out ?? value;
    }
    if (typeof value !== 'object' || value === null) return value;
    let out: Entry | undefined;
    for (const [key, item] of Object.entries(value)) {
      const next = keys.has(key) ? hide(item) : walk(item);
      if (next !== item) (out ??= { ...(value as Entry) })[key] = next;
    }
    return out ?? value;
  };
  // Applied to items already walked: only the values of a covered field are left to hide.
  const change = (item: unknown): unknown => {
    if (typeof item !== 'object' || item === null || typeof (item as Entry).field !== 'string' || !keys.has(lastKey((item as Entry).field as string))) return item;
    const c = item as Entry;
    return { ...c, ...('before' in c ? { before: hide(c.before) } : {}), ...('after' in c ? { after: hide(c.after) } : {}) };
  };
  return <E extends Entry>(entry: E): E => {
    const out = walk(entry) as E;
    const details = out.details as Entry | undefined;
    if (details === undefined || !Array.isArray(details.changes)) return out;
    return { ...out, details: { ...details, changes: (details.changes as unknown[]).map(change) } };
  };
}
