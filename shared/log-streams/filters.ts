import type { LogStreamCategory, LogStreamFilter } from './schema.js';

/**
 * Auth0's category for each audit entry type apptrail writes: `management.success` covers sapi and
 * mgmt_api_read (Auth0's own table), `management.fail` the failed operations (fapi), and
 * `auth.token_exchange.*` the client credentials exchanges (seccft, feccft).
 */
const CATEGORY_OF: Readonly<Record<string, LogStreamCategory>> = {
  sapi: 'management.success',
  mgmt_api_read: 'management.success',
  fapi: 'management.fail',
  seccft: 'auth.token_exchange.success',
  feccft: 'auth.token_exchange.fail',
};

export function categoryOf(entryType: string): LogStreamCategory {
  return CATEGORY_OF[entryType] ?? 'other';
}

/** A predicate over entry types; no filters means every entry. */
export function entryFilter(filters: readonly LogStreamFilter[]): (entryType: string) => boolean {
  if (filters.length === 0) return () => true;
  const wanted = new Set<string>(filters.map((f) => f.name));
  return (entryType) => wanted.has(categoryOf(entryType));
}
