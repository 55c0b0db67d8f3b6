/**
 * The audit_log columns that input may name. Everything that turns a name from a request (a
 * field in `q`, a `fields` entry) into SQL goes through these maps, so an identifier in generated
 * SQL always comes from this file, never from the request.
 */

/** Auth0's searchable log fields plus our target_client_id / target_client_name. */
export const SEARCHABLE_FIELDS = [
  'client_id',
  'client_name',
  'connection',
  'connection_id',
  'description',
  'date',
  'hostname',
  'ip',
  'log_id',
  'organization_id',
  'user_id',
  'user_name',
  'user_agent',
  'strategy',
  'strategy_type',
  'type',
  'target_client_id',
  'target_client_name',
] as const;
export type SearchableField = (typeof SEARCHABLE_FIELDS)[number];
/** Every searchable field but `date` is a String column compared byte for byte. */
export type StringField = Exclude<SearchableField, 'date'>;

/**
 * What a term without a field name is matched against: Auth0's documented list
 * (DOCS:deploy-monitor/logs/log-search-query-syntax) plus target_client_name, because in a client
 * registry the application acted on is what people most often look for by name.
 */
export const BARE_TERM_FIELDS: readonly StringField[] = [
  'client_name',
  'connection',
  'description',
  'ip',
  'log_id',
  'type',
  'user_name',
  'target_client_name',
];

/** The fields stored in a column of their own (table.ts). */
export const STORED_FIELDS = [...SEARCHABLE_FIELDS, 'scope', 'audience', 'details', 'chain', 'chain_seq', 'prev_hash', 'hash'] as const;
export type StoredField = (typeof STORED_FIELDS)[number];

/**
 * Fields a log object carries in GET /logs answers (`fields`/`include_fields` pick among them),
 * in the order Auth0 sends them (auth0/go-auth0 test/data/recordings/TestLogManager*.yaml), then
 * ours. `_id` is Auth0's copy of log_id, which checkpoint readers such as
 * auth0-log-extension-tools take their position from; organization_name, isMobile and
 * location_info have no source in a Management API action, so they are constants (row.ts).
 */
export const OUTPUT_FIELDS = [
  '_id',
  'log_id',
  'date',
  'type',
  'description',
  'connection',
  'connection_id',
  'organization_id',
  'organization_name',
  'client_id',
  'client_name',
  'ip',
  'hostname',
  'details',
  'user_id',
  'user_name',
  'user_agent',
  'audience',
  'scope',
  'strategy',
  'strategy_type',
  'isMobile',
  'location_info',
  'target_client_id',
  'target_client_name',
  // Tamper evidence (chain.ts): the entry's link, beside Auth0's fields; absent on unchained entries.
  'chain',
  'chain_seq',
  'prev_hash',
  'hash',
] as const satisfies readonly string[];
export type OutputField = (typeof OUTPUT_FIELDS)[number];

// Column names equal field names today; the map is what keeps input out of SQL if they ever differ.
const COLUMNS: Readonly<Record<StoredField, string>> = Object.freeze(
  Object.fromEntries(STORED_FIELDS.map((f) => [f, f])) as Record<StoredField, string>,
);

/**
 * The stored fields each output field is presented from. details also needs the caller columns:
 * Auth0's details.request carries auth, ip and userAgent, which row.ts builds from them.
 */
const SOURCES: Readonly<Record<OutputField, readonly StoredField[]>> = Object.freeze({
  ...(Object.fromEntries(STORED_FIELDS.map((f): [StoredField, readonly StoredField[]] => [f, [f]])) as Record<StoredField, readonly StoredField[]>),
  _id: ['log_id'],
  organization_name: [],
  isMobile: [],
  location_info: [],
  details: ['details', 'ip', 'user_agent', 'user_id', 'user_name', 'client_id', 'scope'],
  // A link is shown only when the entry has a chain.
  chain_seq: ['chain', 'chain_seq'],
  prev_hash: ['chain', 'prev_hash'],
  hash: ['chain', 'hash'],
});

// Sets, not `name in obj`: "constructor" or "__proto__" must not count as fields.
const SEARCHABLE = new Set<string>(SEARCHABLE_FIELDS);
const OUTPUT = new Set<string>(OUTPUT_FIELDS);

export const isSearchableField = (name: string): name is SearchableField => SEARCHABLE.has(name);
export const isOutputField = (name: string): name is OutputField => OUTPUT.has(name);

/** The SQL identifier of a field's column. */
export function columnOf(field: StoredField): string {
  return COLUMNS[field];
}

/**
 * The columns to read to present these fields, in table order. log_id is always read: it is the
 * paging key, and a SELECT needs at least one column whatever was asked for.
 */
export function columnsFor(fields: readonly OutputField[]): string[] {
  const needed = new Set<StoredField>(['log_id']);
  for (const f of fields) for (const s of SOURCES[f]) needed.add(s);
  return STORED_FIELDS.filter((f) => needed.has(f)).map(columnOf);
}
