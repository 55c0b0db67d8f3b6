/**
 * A sink's answer may quote what it was sent: an error page echoing the Authorization header, a
 * proxy repeating the request URL (for Sumo the URL is the credential). Whatever leaves the
 * delivery code (dead-letter headers, health, suspensions, log lines) goes through the stream's
 * redactor first, so no form of its credentials is stored, logged or shown.
 */
export const REDACTED_CREDENTIAL = '[REDACTED]';

export type Redact = (text: string) => string;

const percentLower = (s: string) => s.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());

/** The ways a credential is commonly written back: as is, URL-encoded, JSON-escaped, base64. */
export function credentialForms(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const base64 = bytes.toString('base64');
  const forms = [
    secret,
    encodeURIComponent(secret),
    percentLower(encodeURIComponent(secret)),
    encodeURI(secret),
    JSON.stringify(secret).slice(1, -1),
    base64,
    base64.replace(/=+$/, ''),
    bytes.toString('base64url'),
  ];
  return [...new Set(forms)].filter((f) => f !== '');
}

/**
 * The parts of an Authorization value that are secret on their own: the whole value, the
 * credentials after the scheme (`Bearer <token>`), and for Basic the decoded `user:password` and
 * the password.
 */
export function authorizationParts(value: string): string[] {
  const parts = [value];
  const match = /^(\S+)\s+(\S.*)$/.exec(value.trim());
  if (match?.[2] !== undefined) {
    parts.push(match[2]);
    if (match[1]?.toLowerCase() === 'basic') {
      const decoded = Buffer.from(match[2], 'base64').toString('utf8');
      if (decoded.includes(':')) parts.push(decoded, decoded.slice(decoded.indexOf(':') + 1));
    }
  }
  return parts;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A function that replaces every form of every credential by "[REDACTED]"; longest forms first. */
export function credentialRedactor(credentials: readonly string[]): Redact {
  const forms = [...new Set(credentials.filter((c) => c !== '').flatMap(credentialForms))]
    // A form inside the marker would make redaction grow with every pass; such a "secret" is no secret.
    .filter((f) => !REDACTED_CREDENTIAL.includes(f))
    .sort((a, b) => b.length - a.length);
  if (forms.length === 0) return (text) => text;
  const pattern = new RegExp(forms.map(escapeRegExp).join('|'), 'g');
  return (text) => text.replace(pattern, REDACTED_CREDENTIAL);
}

/** Bytes to read beyond a limit so that a credential starting before the cut is redacted whole. */
export function longestForm(credentials: readonly string[]): number {
  return Math.max(0, ...credentials.flatMap(credentialForms).map((f) => Buffer.byteLength(f)));
}
