import { REDACTED } from '../clients/diff.js';

// Keys whose values are secrets wherever they appear in a request or response body: client
// secrets and keys, sealed values, and log-stream sink credentials.
const SECRET_KEYS = new Set([
  'client_secret',
  // Tokens apptrail issues: the access token of /oauth/token, the RFC 7592 registration token.
  'access_token',
  'registration_access_token',
  'encryption_key',
  'signing_keys',
  'authorization',
  'password',
  'httpAuthorization',
  'splunkToken',
  'datadogApiKey',
  'sumoSourceAddress',
]);
const isSecretKey = (key: string) => SECRET_KEYS.has(key) || key.endsWith('_sealed');

/** A deep copy with every secret value replaced by "REDACTED", as Auth0's sapi entries show them. */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const copy = isSecretKey(k) && v !== undefined && v !== null ? REDACTED : redactSecrets(v);
    // Assigning `__proto__` would set the copy's prototype and drop the key: a body that has one
    // (JSON.parse keeps it as an own key) must come out with the same keys it went in with.
    if (k === '__proto__') Object.defineProperty(out, k, { value: copy, enumerable: true, writable: true, configurable: true });
    else out[k] = copy;
  }
  return out;
}

/** Names of the secret fields present in a body (Auth0's `accessedSecrets`). */
export function secretFieldsIn(value: unknown): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  return Object.keys(value).filter((k) => SECRET_KEYS.has(k) && (value as Record<string, unknown>)[k] !== undefined);
}
