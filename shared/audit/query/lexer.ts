import { LogQueryError } from './errors.js';

/**
 * Tokens of Auth0's log search syntax (a Lucene subset). Positions are 0-based UTF-16 offsets
 * into `q`, `end` exclusive.
 *
 * The lexer has three modes, because `:` means different things in different places:
 * - term: `:` ends a field name; AND / OR / NOT are operators; a leading `-`/`+` is a prefix.
 * - value (the one token right after `field:`): `:` belongs to the value (dates, user ids like
 *   `auth0|x:y`), and AND / OR / NOT are plain values.
 * - range (inside `[…]` / `{…}`): `:` belongs to the value; TO separates the bounds.
 */
export type Token = { pos: number; end: number } & (
  | { kind: 'lparen' | 'rparen' | 'colon' | 'minus' | 'plus' | 'and' | 'or' | 'not' | 'to' | 'eof' }
  /** `[` / `]` are inclusive, `{` / `}` exclusive. */
  | { kind: 'rangeOpen'; inclusive: boolean }
  | { kind: 'rangeClose'; inclusive: boolean }
  /** Unquoted text. `parts` is the text split at unescaped `*`, escapes resolved. */
  | { kind: 'word'; raw: string; parts: string[] }
  /** A double-quoted value, escapes resolved; `*` in it is literal. */
  | { kind: 'phrase'; value: string }
);

type Mode = 'term' | 'value' | 'range';

// Characters that end an unquoted word in every mode (write them with a backslash to use them).
const DELIMITERS = new Set(['(', ')', '"', '[', ']', '{', '}']);
const isSpace = (ch: string) => /\s/u.test(ch);
// Uppercase only, as Auth0 asks; `and` is a search term.
const TERM_KEYWORDS = new Map<string, 'and' | 'or' | 'not'>([
  ['AND', 'and'],
  ['OR', 'or'],
  ['NOT', 'not'],
]);

export function tokenize(q: string): Token[] {
  const tokens: Token[] = [];
  let mode: Mode = 'term';
  let i = 0;

  for (;;) {
    const skippedFrom = i;
    while (i < q.length && isSpace(q.charAt(i))) i++;
    if (mode === 'value' && i > skippedFrom) mode = 'term'; // `type: x`: the parser reports it
    if (i >= q.length) {
      tokens.push({ kind: 'eof', pos: q.length, end: q.length });
      return tokens;
    }
    const pos = i;
    const ch = q.charAt(i);
    const single = (kind: 'lparen' | 'rparen' | 'colon' | 'minus' | 'plus'): Token => ({ kind, pos, end: ++i });

    if (ch === '(' || ch === ')') {
      tokens.push(single(ch === '(' ? 'lparen' : 'rparen'));
      if (mode === 'value') mode = 'term';
    } else if (ch === '[' || ch === '{') {
      tokens.push({ kind: 'rangeOpen', inclusive: ch === '[', pos, end: ++i });
      mode = 'range';
    } else if (ch === ']' || ch === '}') {
      tokens.push({ kind: 'rangeClose', inclusive: ch === ']', pos, end: ++i });
      mode = 'term';
    } else if (ch === '"') {
      const phrase = readPhrase(q, pos);
      tokens.push(phrase);
      i = phrase.end;
      if (mode === 'value') mode = 'term';
    } else if (mode === 'term' && ch === ':') {
      tokens.push(single('colon'));
      mode = 'value';
    } else if (mode === 'term' && (ch === '-' || ch === '+')) {
      tokens.push(single(ch === '-' ? 'minus' : 'plus'));
    } else {
      const word = readWord(q, pos, mode);
      i = word.end;
      const keyword = mode === 'term' ? TERM_KEYWORDS.get(word.raw) : undefined;
      if (keyword) {
        tokens.push({ kind: keyword, pos, end: i });
      } else if (mode === 'range' && word.raw === 'TO') {
        tokens.push({ kind: 'to', pos, end: i });
      } else {
        tokens.push(word);
      }
      if (mode === 'value') mode = 'term';
    }
  }
}

function readWord(q: string, pos: number, mode: Mode): Extract<Token, { kind: 'word' }> {
  const parts = [''];
  let i = pos;
  const append = (text: string) => {
    parts[parts.length - 1] += text;
  };
  while (i < q.length) {
    const ch = q.charAt(i);
    if (isSpace(ch) || DELIMITERS.has(ch) || (ch === ':' && mode === 'term')) break;
    if (ch === '\\') {
      const cp = q.codePointAt(i + 1);
      if (cp === undefined) throw LogQueryError.at(i, 'expected a character after "\\"');
      const escaped = String.fromCodePoint(cp);
      append(escaped);
      i += 1 + escaped.length;
      continue;
    }
    if (ch === '*') parts.push('');
    else if (ch === '?') throw LogQueryError.at(i, 'the "?" wildcard is not supported; write \\? to match a "?"');
    else if (ch === '~' || ch === '^') {
      throw LogQueryError.at(i, `"${ch}" (fuzzy, proximity or boost) is not supported; write \\${ch} to match a "${ch}"`);
    } else append(ch);
    i++;
  }
  return { kind: 'word', raw: q.slice(pos, i), parts, pos, end: i };
}

function readPhrase(q: string, pos: number): Extract<Token, { kind: 'phrase' }> {
  let value = '';
  let i = pos + 1;
  while (i < q.length) {
    const ch = q.charAt(i);
    if (ch === '"') return { kind: 'phrase', value, pos, end: i + 1 };
    if (ch === '\\') {
      const cp = q.codePointAt(i + 1);
      if (cp === undefined) break;
      const escaped = String.fromCodePoint(cp);
      value += escaped;
      i += 1 + escaped.length;
      continue;
    }
    value += ch;
    i++;
  }
  throw LogQueryError.at(q.length, `expected a closing " for the quote opened at position ${pos}`);
}
