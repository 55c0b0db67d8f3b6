/**
 * The explorer's filters, compiled into the logs API's `q` (Auth0's log search syntax, parsed by
 * shared/audit/query): values always go in quotes with `"` and `\` escaped, so whatever is typed
 * into a filter is matched as a value and never read as syntax.
 */
export interface LogFilters {
  /** Free q, as typed in the search box. */
  q: string;
  type: string;
  /** Who acted: the caller's client id or name, or the token's subject or name. */
  actor: string;
  /** What was acted on: the target client's id or name. */
  target: string;
  /** Range bounds as ISO-8601 instants (UTC); empty for an open end. */
  from: string;
  to: string;
}

export const EMPTY_FILTERS: LogFilters = { q: '', type: '', actor: '', target: '', from: '', to: '' };

export function quoteValue(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

function anyField(fields: string[], value: string): string {
  const v = quoteValue(value);
  return fields.length === 1 ? `${fields[0]}:${v}` : `(${fields.map((f) => `${f}:${v}`).join(' OR ')})`;
}

/** Each filter becomes one clause; clauses and the typed q are ANDed. */
export function compileQuery(f: LogFilters): string {
  const clauses: string[] = [];
  const typed = f.q.trim();
  if (typed) clauses.push(`(${typed})`);
  if (f.type) clauses.push(anyField(['type'], f.type));
  if (f.actor.trim()) clauses.push(anyField(['client_id', 'client_name', 'user_id', 'user_name'], f.actor.trim()));
  if (f.target.trim()) clauses.push(anyField(['target_client_id', 'target_client_name'], f.target.trim()));
  if (f.from || f.to) clauses.push(`date:[${f.from ? quoteValue(f.from) : '*'} TO ${f.to ? quoteValue(f.to) : '*'}]`);
  // A lone typed q needs no parentheses.
  if (clauses.length === 1 && typed) return typed;
  return clauses.join(' AND ');
}
