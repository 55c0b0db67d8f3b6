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

/** Fields a log object can carry in GET /logs answers (`fields`/`include_fields` pick among them). */
export const OUTPUT_FIELDS = [...SEARCHABLE_FIELDS, 'scope', 'audience', 'details'] as const;
export type OutputField = (typeof OUTPUT_FIELDS)[number];

// Column names equal field names today; the map is what keeps input out of SQL if they ever differ.
const COLUMNS: Readonly<Record<OutputField, string>> = Object.freeze(
  Object.fromEntries(OUTPUT_FIELDS.map((f) => [f, f])) as Record<OutputField, string>,
);

// Sets, not `name in obj`: "constructor" or "__proto__" must not count as fields.
const SEARCHABLE = new Set<string>(SEARCHABLE_FIELDS);
const OUTPUT = new Set<string>(OUTPUT_FIELDS);

export const isSearchableField = (name: string): name is SearchableField => SEARCHABLE.has(name);
export const isOutputField = (name: string): name is OutputField => OUTPUT.has(name);

/** The SQL identifier of a field's column. */
export function columnOf(field: OutputField): string {
  return COLUMNS[field];
}
