import { BARE_TERM_FIELDS, SEARCHABLE_FIELDS, isSearchableField, type SearchableField, type StringField } from '../fields.js';
import type { Ast, Bound } from './ast.js';
import { DATE_EXAMPLE, parseDateSpan, type DateSpan } from './dates.js';
import { LogQueryError, quote } from './errors.js';
import { tokenize, type Token } from './lexer.js';

/**
 * Auth0's log search syntax (DOCS:deploy-monitor/logs/log-search-query-syntax), by recursive
 * descent:
 *
 *   query   := or? EOF
 *   or      := and ( "OR" and )*
 *   and     := unary ( "AND"? unary )*          adjacent terms are ANDed
 *   unary   := ( "NOT" | "-" | "+" ) unary | primary
 *   primary := "(" or ")" | field ":" value | _exists_ ":" field | term
 *   value   := term | "(" or ")" | range        a group applies the field to its bare terms
 *   range   := ( "[" | "{" ) bound "TO" bound ( "]" | "}" )      bound: a term or *
 *
 * Choices where Auth0 is silent (see also dates.ts):
 * - Terms next to each other are ANDed. Lucene's default is OR, but Auth0 does not document one,
 *   and for an audit search an extra term should narrow the result, never widen it.
 * - Precedence NOT > AND > OR, explicit or implicit AND alike: `a b OR c` is `(a AND b) OR c`.
 * - A bare term matches any of BARE_TERM_FIELDS; a bare `*` (or an empty q) matches everything;
 *   `field:*` and `_exists_:field` mean the field is not empty.
 * - `field:""` matches an empty field. Values are whole, case-sensitive and not tokenized.
 * - Wildcards: `*` only. A prefix match (`ab*`) may have any length; any other use needs at least
 *   3 literal characters in total (`*usa` yes, `*sa` no), as Auth0 requires. `?`, `~` and `^` are
 *   refused unless escaped. `date` takes dates and ranges, not wildcards.
 * - `&&`, `||`, `!` are not operators: `|` occurs in user ids (`auth0|abc`).
 */

export const MAX_QUERY_LENGTH = 4096;
const MAX_DEPTH = 32;
const MAX_CONDITIONS = 100;

const FIELD_LIST = SEARCHABLE_FIELDS.join(', ');

export function parseLogQuery(q: string): Ast {
  if (q.length > MAX_QUERY_LENGTH) {
    throw new LogQueryError(`Invalid query: q is longer than ${MAX_QUERY_LENGTH} characters`, { statusCode: 414 });
  }
  return new Parser(tokenize(q)).parse();
}

type WordToken = Extract<Token, { kind: 'word' }>;
type PhraseToken = Extract<Token, { kind: 'phrase' }>;
type RangeOpenToken = Extract<Token, { kind: 'rangeOpen' }>;

const STARTS_TERM = new Set<Token['kind']>(['word', 'phrase', 'lparen', 'not', 'minus', 'plus', 'rangeOpen']);

class Parser {
  readonly #tokens: Token[];
  #i = 0;
  #depth = 0;
  #conditions = 0;

  constructor(tokens: Token[]) {
    this.#tokens = tokens;
  }

  parse(): Ast {
    if (this.#peek().kind === 'eof') return { kind: 'all' };
    const ast = this.#or(undefined);
    const rest = this.#peek();
    if (rest.kind !== 'eof') {
      throw LogQueryError.at(rest.pos, rest.kind === 'rparen' ? 'unexpected ")" without a matching "("' : `unexpected ${describe(rest)}`);
    }
    return ast;
  }

  #or(field: SearchableField | undefined, after?: Token): Ast {
    const children = [this.#and(field, after)];
    while (this.#peek().kind === 'or') {
      const op = this.#next();
      children.push(this.#and(field, op));
    }
    return children.length === 1 && children[0] ? children[0] : { kind: 'or', children };
  }

  #and(field: SearchableField | undefined, after?: Token): Ast {
    const children = [this.#unary(field, after)];
    for (;;) {
      const t = this.#peek();
      if (t.kind === 'and') children.push(this.#unary(field, this.#next()));
      else if (STARTS_TERM.has(t.kind)) children.push(this.#unary(field));
      else break;
    }
    return children.length === 1 && children[0] ? children[0] : { kind: 'and', children };
  }

  #unary(field: SearchableField | undefined, after?: Token): Ast {
    const t = this.#peek();
    if (t.kind !== 'not' && t.kind !== 'minus' && t.kind !== 'plus') return this.#primary(field, after);
    this.#next();
    if (t.kind !== 'not' && this.#peek().pos !== t.end) {
      throw LogQueryError.at(t.end, `expected a term right after "${t.kind === 'minus' ? '-' : '+'}"`);
    }
    this.#enter(t);
    const operand = this.#unary(field, t);
    this.#depth--;
    // `+` (required) adds nothing when terms are ANDed anyway.
    return t.kind === 'plus' ? operand : { kind: 'not', child: operand };
  }

  #primary(field: SearchableField | undefined, after?: Token): Ast {
    const t = this.#peek();
    switch (t.kind) {
      case 'lparen':
        return this.#group(field);
      case 'word': {
        this.#next();
        const colon = this.#peek();
        if (colon.kind === 'colon' && colon.pos === t.end) {
          this.#next();
          return this.#fieldClause(t, colon);
        }
        return this.#term(field, t);
      }
      case 'phrase':
        this.#next();
        return this.#term(field, t);
      case 'rangeOpen':
        if (field === undefined) throw LogQueryError.at(t.pos, 'a range needs a field, as in date:[2026-01-01 TO *]');
        return this.#range(field, t);
      default:
        throw LogQueryError.at(t.pos, `expected a term${after ? ` after ${describe(after)}` : ''}, found ${describe(t)}`);
    }
  }

  #group(field: SearchableField | undefined): Ast {
    const open = this.#next();
    this.#enter(open);
    const first = this.#peek();
    if (!STARTS_TERM.has(first.kind)) throw LogQueryError.at(first.pos, `expected a term after "(", found ${describe(first)}`);
    const inner = this.#or(field, open);
    const close = this.#peek();
    if (close.kind !== 'rparen') {
      throw LogQueryError.at(close.pos, `expected ")" to close the "(" at position ${open.pos}, found ${describe(close)}`);
    }
    this.#next();
    this.#depth--;
    return inner;
  }

  #fieldClause(name: WordToken, colon: Token): Ast {
    const v = this.#peek();
    const label = `"${name.raw}:"`;
    const valueFollows = v.pos === colon.end && (v.kind === 'word' || v.kind === 'phrase' || v.kind === 'lparen' || v.kind === 'rangeOpen');
    if (name.raw === '_exists_') {
      if (!valueFollows || v.kind !== 'word') throw LogQueryError.at(colon.end, `expected a field name after ${label}`);
      this.#next();
      if (!isSearchableField(v.raw)) throw LogQueryError.at(v.pos, `unknown field ${quote(v.raw)}; searchable fields are ${FIELD_LIST}`);
      this.#count(v);
      return { kind: 'exists', field: v.raw };
    }
    if (!isSearchableField(name.raw)) {
      throw LogQueryError.at(name.pos, `unknown field ${quote(name.raw)}; searchable fields are ${FIELD_LIST}`);
    }
    const field = name.raw;
    if (!valueFollows) throw LogQueryError.at(colon.end, `expected a value after ${label}`);
    if (v.kind === 'lparen') return this.#group(field);
    if (v.kind === 'rangeOpen') return this.#range(field, v);
    this.#next();
    return this.#term(field, v as WordToken | PhraseToken);
  }

  /** A value on its own: for `field`, or for the bare-term fields when there is none. */
  #term(field: SearchableField | undefined, t: WordToken | PhraseToken): Ast {
    this.#count(t);
    const fields = (f: StringField | undefined): StringField[] => (f === undefined ? [...BARE_TERM_FIELDS] : [f]);
    if (t.kind === 'phrase') {
      return field === 'date' ? dateSpanNode(dateSpan(t, t.value)) : { kind: 'match', fields: fields(field), value: t.value };
    }
    const parts = collapseStars(t.parts);
    const [only] = parts;
    if (parts.length === 1 && only !== undefined) {
      return field === 'date' ? dateSpanNode(dateSpan(t, only)) : { kind: 'match', fields: fields(field), value: only };
    }
    if (parts.every((p) => p === '')) return field === undefined ? { kind: 'all' } : { kind: 'exists', field };
    if (field === 'date') throw LogQueryError.at(t.pos, 'date takes a date or a range, not wildcards: e.g. date:[2026-01-01 TO *]');
    const isPrefix = parts.length === 2 && parts[1] === '';
    if (!isPrefix && [...parts.join('')].length < 3) {
      throw LogQueryError.at(
        t.pos,
        `wildcard ${quote(t.raw)} needs at least 3 characters besides "*" (only a prefix match such as "ab*" may have fewer)`,
      );
    }
    return { kind: 'wildcard', fields: fields(field), parts };
  }

  #range(field: SearchableField, open: RangeOpenToken): Ast {
    this.#next();
    const lower = this.#bound(open);
    const to = this.#peek();
    if (to.kind !== 'to') throw LogQueryError.at(to.pos, `expected "TO" between the bounds of the range, found ${describe(to)}`);
    this.#next();
    const upper = this.#bound(to);
    const close = this.#peek();
    if (close.kind !== 'rangeClose') {
      throw LogQueryError.at(close.pos, `expected "]" or "}" to close the range opened at position ${open.pos}, found ${describe(close)}`);
    }
    this.#next();
    this.#count(open);

    if (field === 'date') {
      const lowerSpan = lower && dateSpan(lower.token, lower.text);
      const upperSpan = upper && dateSpan(upper.token, upper.text);
      if (!lowerSpan && !upperSpan) return { kind: 'exists', field };
      const node: Extract<Ast, { kind: 'dateRange' }> = { kind: 'dateRange' };
      if (lowerSpan) node.fromMs = open.inclusive ? lowerSpan.startMs : lowerSpan.endMs;
      if (upperSpan) node.toMs = close.inclusive ? upperSpan.endMs : upperSpan.startMs;
      return node;
    }
    if (!lower && !upper) return { kind: 'exists', field };
    const node: Extract<Ast, { kind: 'range' }> = { kind: 'range', field };
    if (lower) node.lower = { value: lower.text, inclusive: open.inclusive } satisfies Bound;
    if (upper) node.upper = { value: upper.text, inclusive: close.inclusive } satisfies Bound;
    return node;
  }

  /** One end of a range; undefined for an open end (`*`). */
  #bound(after: Token): { token: Token; text: string } | undefined {
    const t = this.#peek();
    if (t.kind === 'phrase') {
      this.#next();
      return { token: t, text: t.value };
    }
    if (t.kind !== 'word') throw LogQueryError.at(t.pos, `expected a value or * after ${describe(after)}, found ${describe(t)}`);
    this.#next();
    const parts = collapseStars(t.parts);
    if (parts.every((p) => p === '')) return undefined;
    const [only] = parts;
    if (parts.length !== 1 || only === undefined) {
      throw LogQueryError.at(t.pos, `a range bound takes a value or a lone * for an open end, found ${quote(t.raw)}`);
    }
    return { token: t, text: only };
  }

  #peek(): Token {
    // The lexer always ends with eof, and nothing advances past it.
    return this.#tokens[this.#i] ?? { kind: 'eof', pos: 0, end: 0 };
  }

  #next(): Token {
    const t = this.#peek();
    if (t.kind !== 'eof') this.#i++;
    return t;
  }

  #enter(t: Token): void {
    if (++this.#depth > MAX_DEPTH) throw LogQueryError.at(t.pos, `nested more than ${MAX_DEPTH} levels deep`);
  }

  #count(t: Token): void {
    if (++this.#conditions > MAX_CONDITIONS) throw LogQueryError.at(t.pos, `more than ${MAX_CONDITIONS} conditions`);
  }
}

/** `a**b` is `a*b`; the empty first/last parts that mark a leading/trailing `*` stay. */
function collapseStars(parts: string[]): string[] {
  return parts.filter((p, i) => p !== '' || i === 0 || i === parts.length - 1);
}

function dateSpan(t: Token, text: string): DateSpan {
  const span = parseDateSpan(text);
  if (!span) throw LogQueryError.at(t.pos, `expected a date such as ${DATE_EXAMPLE}, found ${quote(text)}`);
  return span;
}

function dateSpanNode(span: DateSpan): Ast {
  return { kind: 'dateRange', fromMs: span.startMs, toMs: span.endMs };
}

function describe(t: Token): string {
  switch (t.kind) {
    case 'eof':
      return 'the end of the query';
    case 'word':
      return quote(t.raw);
    case 'phrase':
      return `the quoted value ${quote(t.value)}`;
    case 'lparen':
      return '"("';
    case 'rparen':
      return '")"';
    case 'colon':
      return '":"';
    case 'minus':
      return '"-"';
    case 'plus':
      return '"+"';
    case 'rangeOpen':
      return t.inclusive ? '"["' : '"{"';
    case 'rangeClose':
      return t.inclusive ? '"]"' : '"}"';
    case 'and':
    case 'or':
    case 'not':
    case 'to':
      return `"${t.kind.toUpperCase()}"`;
    default: {
      const _exhaustive: never = t;
      return String(_exhaustive);
    }
  }
}
