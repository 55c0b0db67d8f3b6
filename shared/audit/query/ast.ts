import type { SearchableField, StringField } from '../fields.js';

/**
 * A parsed log search. Fields are already checked against the allowlist and dates already
 * resolved to instants, so compiling cannot fail and never sees raw input syntax.
 */
export type Ast =
  /** No condition (empty `q`, or a bare `*`). */
  | { kind: 'all' }
  | { kind: 'and'; children: Ast[] }
  | { kind: 'or'; children: Ast[] }
  | { kind: 'not'; child: Ast }
  /** Case-sensitive whole-value equality with any of `fields` (several for a bare term). */
  | { kind: 'match'; fields: StringField[]; value: string }
  /**
   * Whole-value wildcard match with any of `fields`: the literal `parts` in order, anything
   * (possibly nothing) between consecutive parts; an empty first/last part means the value may
   * start/end with anything.
   */
  | { kind: 'wildcard'; fields: StringField[]; parts: string[] }
  /** Byte-wise comparison of a String column; an absent bound is open. */
  | { kind: 'range'; field: StringField; lower?: Bound; upper?: Bound }
  /** `date` within [fromMs, toMs); an absent bound is open. Every date condition becomes one. */
  | { kind: 'dateRange'; fromMs?: number; toMs?: number }
  /** The field has a value (a non-empty string; `date` always has one). */
  | { kind: 'exists'; field: SearchableField };

export interface Bound {
  value: string;
  inclusive: boolean;
}
