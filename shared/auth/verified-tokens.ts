import { LRUCache } from 'lru-cache';
import type { Principal } from './principal.js';

export interface VerifiedTokenCacheOptions {
  /** Tokens remembered at once; the least recently used one goes first. */
  max?: number;
  /**
   * How long a verification is reused at most, whatever the token's exp: a key withdrawn from the
   * identity provider's JWKS stops being accepted within this time (plus the JWKS cache of jose).
   */
  ttlMs?: number;
  now?: () => number;
}

export const VERIFIED_TOKEN_TTL_MS = 60_000;

/**
 * Access tokens are bearer tokens reused by their caller until they expire (an Auth0 M2M token
 * lives for hours), so the same string arrives again and again. A token whose signature and
 * claims were verified is remembered by its exact string (signature included: any other string
 * is verified afresh) until the earlier of its `exp` and `ttlMs` after the verification. Only
 * successes are remembered; a refusal is verified again every time.
 */
export class VerifiedTokenCache {
  private readonly entries: LRUCache<string, { principal: Principal; validUntil: number }>;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(opts: VerifiedTokenCacheOptions = {}) {
    this.entries = new LRUCache({ max: opts.max ?? 10_000 });
    this.ttlMs = opts.ttlMs ?? VERIFIED_TOKEN_TTL_MS;
    this.now = opts.now ?? Date.now;
  }

  /** The principal of a token verified before and still valid now, else undefined. */
  get(token: string): Principal | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    if (this.now() < entry.validUntil) return entry.principal;
    this.entries.delete(token);
    return undefined;
  }

  /** `exp` in seconds since the epoch (the JWT claim); absent: the token does not expire. */
  set(token: string, principal: Principal, exp: number | undefined): void {
    const validUntil = Math.min(this.now() + this.ttlMs, exp === undefined ? Infinity : exp * 1000);
    if (validUntil > this.now()) this.entries.set(token, { principal, validUntil });
  }
}
