/**
 * The signed-in session. The token lives in memory and in sessionStorage (so a reload of the same
 * tab keeps it; closing the tab drops it): never localStorage, never the URL. Sign-in methods
 * (sign-in.tsx) each end in a Session: a pasted token, or a client id/secret exchanged at
 * /oauth/token (the secret itself is never kept).
 */
export interface Session {
  token: string;
  /** How the session was made, shown in the header. */
  method: 'token' | 'client_credentials';
  /** What the token's payload says (unverified: the API verifies every request). */
  subject: string;
  name: string | undefined;
  scopes: string[];
  expiresAt: number | undefined;
}

const KEY = 'apptrail.console.session';
let current: Session | undefined;
const listeners = new Set<(s: Session | undefined) => void>();

export function getSession(): Session | undefined {
  if (current) return current;
  try {
    const stored = sessionStorage.getItem(KEY);
    if (stored) current = JSON.parse(stored) as Session;
  } catch {
    // sessionStorage off (private mode, policy): memory only.
  }
  return current;
}

export function setSession(session: Session | undefined): void {
  current = session;
  try {
    if (session) sessionStorage.setItem(KEY, JSON.stringify(session));
    else sessionStorage.removeItem(KEY);
  } catch {
    // memory only
  }
  for (const l of listeners) l(session);
}

export function onSessionChange(listener: (s: Session | undefined) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The payload of a JWT, for display only; undefined when the text is no JWT. */
export function readTokenClaims(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const json = atob(parts[1].replace(/-/g, '+').replace(/_/g, '/'));
    const claims: unknown = JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0))));
    return claims !== null && typeof claims === 'object' ? (claims as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function sessionFromToken(token: string, method: Session['method'] = 'token'): Session | undefined {
  const claims = readTokenClaims(token);
  if (!claims) return undefined;
  const scope = typeof claims.scope === 'string' ? claims.scope : Array.isArray(claims.permissions) ? claims.permissions.join(' ') : '';
  return {
    token,
    method,
    subject: typeof claims.sub === 'string' ? claims.sub : 'unknown',
    name: typeof claims.name === 'string' ? claims.name : undefined,
    scopes: scope.split(' ').filter(Boolean),
    expiresAt: typeof claims.exp === 'number' ? claims.exp * 1000 : undefined,
  };
}
