import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  LogQueryError, MAX_QUERY_LENGTH, OUTPUT_FIELDS, buildLogGet, buildLogsCount, buildLogsSelect, buildLogsTailPage, buildTailCursorOf,
  compileLogQuery, parseLogQuery,
} from '../../shared/audit/index.js';

// The columns a WHERE may name, written out here so that widening the allowlist is a visible change.
const COLUMNS = [
  'client_id', 'client_name', 'connection', 'connection_id', 'description', 'date', 'hostname', 'ip', 'log_id',
  'organization_id', 'user_id', 'user_name', 'user_agent', 'strategy', 'strategy_type', 'type', 'target_client_id',
  'target_client_name', 'scope', 'audience', 'details',
];
const DT = "DateTime64(3, 'UTC')";

/**
 * The whole SQL must be made of these pieces, so nothing from the input can be in it: values only
 * appear as `{pN:Type}` placeholders.
 */
const TRUSTED_SQL = new RegExp(
  [
    String.raw`\s+`,
    String.raw`\{p\d+:(?:String|DateTime64\(3, 'UTC'\))\}`,
    String.raw`[(),]`,
    '>=', '<=', '=', '<', '>',
    String.raw`(?:AND|OR|NOT|true|like|notEmpty)\b`,
    String.raw`(?:${COLUMNS.join('|')})\b`,
  ].join('|'),
  'y',
);

function assertTrustedSql(where: string, params: Record<string, unknown>): void {
  TRUSTED_SQL.lastIndex = 0;
  while (TRUSTED_SQL.lastIndex < where.length) {
    const at = TRUSTED_SQL.lastIndex;
    if (!TRUSTED_SQL.test(where)) assert.fail(`untrusted SQL at ${at}: ${JSON.stringify(where.slice(at, at + 40))} in ${where}`);
  }
  const placeholders = new Set([...where.matchAll(/\{(p\d+):/g)].map((m) => m[1]));
  assert.deepEqual([...placeholders].sort(), Object.keys(params).sort(), 'every placeholder has a parameter and vice versa');
}

const compile = (q: string) => {
  const out = compileLogQuery(parseLogQuery(q));
  assertTrustedSql(out.where, out.params);
  return out;
};

// A bare term is matched against Auth0's bare-term fields plus target_client_name.
const bare = (p: string) =>
  `(${['client_name', 'connection', 'description', 'ip', 'log_id', 'type', 'user_name', 'target_client_name']
    .map((c) => `${c} = {${p}:String}`)
    .join(' OR ')})`;

interface Case {
  q: string;
  where: string;
  params: Record<string, unknown>;
}

const CASES: Case[] = [
  // fields and values
  { q: '', where: 'true', params: {} },
  { q: '   ', where: 'true', params: {} },
  { q: 'type:sapi', where: 'type = {p0:String}', params: { p0: 'sapi' } },
  { q: 'client_id:AbC123', where: 'client_id = {p0:String}', params: { p0: 'AbC123' } },
  { q: 'target_client_id:abc', where: 'target_client_id = {p0:String}', params: { p0: 'abc' } },
  { q: 'description:"Create a client"', where: 'description = {p0:String}', params: { p0: 'Create a client' } },
  { q: 'user_name:""', where: 'user_name = {p0:String}', params: { p0: '' } },
  { q: 'user_id:auth0|abc:def', where: 'user_id = {p0:String}', params: { p0: 'auth0|abc:def' } },
  { q: 'user_name:-bob', where: 'user_name = {p0:String}', params: { p0: '-bob' } },
  { q: 'type:AND', where: 'type = {p0:String}', params: { p0: 'AND' } },
  { q: String.raw`user_name:a\ b\:c\*`, where: 'user_name = {p0:String}', params: { p0: 'a b:c*' } },
  { q: 'user_name:"a*b"', where: 'user_name = {p0:String}', params: { p0: 'a*b' } },
  { q: 'jane', where: bare('p0'), params: { p0: 'jane' } },
  { q: '"customer log"', where: bare('p0'), params: { p0: 'customer log' } },
  { q: 'and', where: bare('p0'), params: { p0: 'and' } },

  // operators and precedence
  { q: 'type:sapi AND client_id:x', where: '(type = {p0:String} AND client_id = {p1:String})', params: { p0: 'sapi', p1: 'x' } },
  { q: 'type:sapi client_id:x', where: '(type = {p0:String} AND client_id = {p1:String})', params: { p0: 'sapi', p1: 'x' } },
  { q: 'type:sapi OR type:fapi', where: '(type = {p0:String} OR type = {p1:String})', params: { p0: 'sapi', p1: 'fapi' } },
  {
    q: 'type:a OR type:b AND ip:c',
    where: '(type = {p0:String} OR (type = {p1:String} AND ip = {p2:String}))',
    params: { p0: 'a', p1: 'b', p2: 'c' },
  },
  {
    q: 'type:a type:b OR ip:c',
    where: '((type = {p0:String} AND type = {p1:String}) OR ip = {p2:String})',
    params: { p0: 'a', p1: 'b', p2: 'c' },
  },
  {
    q: 'NOT type:a AND ip:b',
    where: '(NOT (type = {p0:String}) AND ip = {p1:String})',
    params: { p0: 'a', p1: 'b' },
  },
  {
    q: 'NOT type:a OR NOT ip:b',
    where: '(NOT (type = {p0:String}) OR NOT (ip = {p1:String}))',
    params: { p0: 'a', p1: 'b' },
  },
  { q: 'NOT NOT type:a', where: 'NOT (NOT (type = {p0:String}))', params: { p0: 'a' } },
  { q: '-client_id:x', where: 'NOT (client_id = {p0:String})', params: { p0: 'x' } },
  { q: 'type:s -client_id:x', where: '(type = {p0:String} AND NOT (client_id = {p1:String}))', params: { p0: 's', p1: 'x' } },
  { q: '+type:s', where: 'type = {p0:String}', params: { p0: 's' } },
  {
    q: '(type:a OR type:b) AND ip:c',
    where: '((type = {p0:String} OR type = {p1:String}) AND ip = {p2:String})',
    params: { p0: 'a', p1: 'b', p2: 'c' },
  },
  {
    q: 'type:a AND (ip:b OR (user_id:c AND NOT user_name:d))',
    where: '(type = {p0:String} AND (ip = {p1:String} OR (user_id = {p2:String} AND NOT (user_name = {p3:String}))))',
    params: { p0: 'a', p1: 'b', p2: 'c', p3: 'd' },
  },
  { q: '-(type:a OR type:b)', where: 'NOT ((type = {p0:String} OR type = {p1:String}))', params: { p0: 'a', p1: 'b' } },
  { q: 'type:(sapi OR fapi)', where: '(type = {p0:String} OR type = {p1:String})', params: { p0: 'sapi', p1: 'fapi' } },
  {
    q: 'type:(sapi -mgmt*)',
    where: '(type = {p0:String} AND NOT (like(type, {p1:String})))',
    params: { p0: 'sapi', p1: 'mgmt%' },
  },

  // ranges: [] inclusive, {} exclusive, mixed, open ends; a date names the span of its precision
  {
    q: 'date:[2026-01-01 TO 2026-01-31]',
    where: `(date >= {p0:${DT}} AND date < {p1:${DT}})`,
    params: { p0: '2026-01-01 00:00:00.000', p1: '2026-02-01 00:00:00.000' },
  },
  {
    q: 'date:{2026-01-01 TO 2026-01-31}',
    where: `(date >= {p0:${DT}} AND date < {p1:${DT}})`,
    params: { p0: '2026-01-02 00:00:00.000', p1: '2026-01-31 00:00:00.000' },
  },
  {
    q: 'date:[2018-12 TO 2019-01-01}',
    where: `(date >= {p0:${DT}} AND date < {p1:${DT}})`,
    params: { p0: '2018-12-01 00:00:00.000', p1: '2019-01-01 00:00:00.000' },
  },
  {
    q: 'date:{2026-01-01T10:00 TO 2026-01-01T12:23:45]',
    where: `(date >= {p0:${DT}} AND date < {p1:${DT}})`,
    params: { p0: '2026-01-01 10:01:00.000', p1: '2026-01-01 12:23:46.000' },
  },
  { q: 'date:[2018-12-10 TO *]', where: `date >= {p0:${DT}}`, params: { p0: '2018-12-10 00:00:00.000' } },
  { q: 'date:[* TO 2018-12-19}', where: `date < {p0:${DT}}`, params: { p0: '2018-12-19 00:00:00.000' } },
  { q: 'date:[* TO *]', where: 'true', params: {} },
  {
    q: 'date:[2026-01-01T10:00:00+02:00 TO 2026-01-01T10:00:00.5Z]',
    where: `(date >= {p0:${DT}} AND date < {p1:${DT}})`,
    params: { p0: '2026-01-01 08:00:00.000', p1: '2026-01-01 10:00:00.600' },
  },
  {
    q: 'date:2026-03',
    where: `(date >= {p0:${DT}} AND date < {p1:${DT}})`,
    params: { p0: '2026-03-01 00:00:00.000', p1: '2026-04-01 00:00:00.000' },
  },
  {
    q: 'date:"2026-03-04 05:06:07.089"',
    where: `(date >= {p0:${DT}} AND date < {p1:${DT}})`,
    params: { p0: '2026-03-04 05:06:07.089', p1: '2026-03-04 05:06:07.090' },
  },
  {
    q: 'log_id:{100 TO 200]',
    where: '(log_id > {p0:String} AND log_id <= {p1:String})',
    params: { p0: '100', p1: '200' },
  },
  { q: 'user_name:[b TO *]', where: 'user_name >= {p0:String}', params: { p0: 'b' } },
  { q: 'user_name:["a b" TO "*"}', where: '(user_name >= {p0:String} AND user_name < {p1:String})', params: { p0: 'a b', p1: '*' } },
  { q: 'user_name:[* TO *]', where: 'notEmpty(user_name)', params: {} },

  // wildcards: prefix of any length; anything else needs 3 literal characters
  { q: 'type:s*', where: 'like(type, {p0:String})', params: { p0: 's%' } },
  { q: 'user_name:john*', where: 'like(user_name, {p0:String})', params: { p0: 'john%' } },
  { q: 'user_name:*usa', where: 'like(user_name, {p0:String})', params: { p0: '%usa' } },
  { q: 'user_name:*fred*', where: 'like(user_name, {p0:String})', params: { p0: '%fred%' } },
  { q: 'user_name:jane*smith', where: 'like(user_name, {p0:String})', params: { p0: 'jane%smith' } },
  { q: 'user_name:ja**', where: 'like(user_name, {p0:String})', params: { p0: 'ja%' } },
  { q: 'user_name:a*b*c', where: 'like(user_name, {p0:String})', params: { p0: 'a%b%c' } },
  { q: 'user_name:100%_x*', where: 'like(user_name, {p0:String})', params: { p0: String.raw`100\%\_x%` } },
  { q: String.raw`user_name:back\\slash*`, where: 'like(user_name, {p0:String})', params: { p0: String.raw`back\\slash%` } },
  { q: String.raw`user_name:*lit\*`, where: 'like(user_name, {p0:String})', params: { p0: '%lit*' } },
  {
    q: 'rule*',
    where: `(${['client_name', 'connection', 'description', 'ip', 'log_id', 'type', 'user_name', 'target_client_name']
      .map((c) => `like(${c}, {p0:String})`)
      .join(' OR ')})`,
    params: { p0: 'rule%' },
  },
  { q: 'user_id:*', where: 'notEmpty(user_id)', params: {} },
  { q: 'date:*', where: 'true', params: {} },
  { q: '*', where: 'true', params: {} },
  { q: '_exists_:organization_id', where: 'notEmpty(organization_id)', params: {} },
  { q: '_exists_:date', where: 'true', params: {} },

  // unicode passes through as a value
  { q: 'user_name:ünïcødé', where: 'user_name = {p0:String}', params: { p0: 'ünïcødé' } },
  { q: 'client_name:"Ünï 😀 app"', where: 'client_name = {p0:String}', params: { p0: 'Ünï 😀 app' } },
  { q: 'user_name:😀😀😀*x', where: 'like(user_name, {p0:String})', params: { p0: '😀😀😀%x' } },
];

describe('log search query → WHERE', () => {
  for (const c of CASES) {
    it(JSON.stringify(c.q), () => {
      const out = compile(c.q);
      assert.equal(out.where, c.where);
      assert.deepEqual(out.params, c.params);
    });
  }
});

interface ErrorCase {
  q: string;
  position: number;
  message: RegExp;
}

const ERRORS: ErrorCase[] = [
  { q: 'type:', position: 5, message: /expected a value after "type:"/ },
  { q: 'client_id:x AND type:', position: 21, message: /^Invalid query at position 21: expected a value after "type:"$/ },
  { q: 'type: sapi', position: 5, message: /expected a value after "type:"/ },
  { q: 'type:)', position: 5, message: /expected a value after "type:"/ },
  { q: 'foo:bar', position: 0, message: /unknown field "foo"; searchable fields are client_id, / },
  { q: 'type:a AND constructor:x', position: 11, message: /unknown field "constructor"/ },
  { q: '__proto__:x', position: 0, message: /unknown field "__proto__"/ },
  { q: 'details:x', position: 0, message: /unknown field "details"/ },
  { q: '_exists_:nope', position: 9, message: /unknown field "nope"/ },
  { q: '_exists_:', position: 9, message: /expected a field name after "_exists_:"/ },
  { q: '(type:a', position: 7, message: /expected "\)" to close the "\(" at position 0, found the end of the query/ },
  { q: '((type:a OR type:b)', position: 19, message: /expected "\)" to close the "\(" at position 0/ },
  { q: 'type:a)', position: 6, message: /unexpected "\)" without a matching "\("/ },
  { q: '()', position: 1, message: /expected a term after "\(", found "\)"/ },
  { q: 'type:"abc', position: 9, message: /expected a closing " for the quote opened at position 5/ },
  { q: '"abc', position: 4, message: /expected a closing " for the quote opened at position 0/ },
  { q: 'type:sapi AND', position: 13, message: /expected a term after "AND", found the end of the query/ },
  { q: 'OR type:sapi', position: 0, message: /expected a term, found "OR"/ },
  { q: 'type:a OR OR type:b', position: 10, message: /expected a term after "OR", found "OR"/ },
  { q: 'NOT', position: 3, message: /expected a term after "NOT"/ },
  { q: '- type:a', position: 1, message: /expected a term right after "-"/ },
  { q: 'type:a :b', position: 7, message: /unexpected ":"/ },
  { q: 'user_name:*sa', position: 10, message: /wildcard "\*sa" needs at least 3 characters besides "\*"/ },
  { q: 'user_name:*a*', position: 10, message: /needs at least 3 characters/ },
  { q: 'user_name:a*b', position: 10, message: /needs at least 3 characters/ },
  { q: '*ab', position: 0, message: /needs at least 3 characters/ },
  { q: 'user_name:jo?n', position: 12, message: /the "\?" wildcard is not supported/ },
  { q: 'user_name:john~', position: 14, message: /"~" \(fuzzy, proximity or boost\) is not supported/ },
  { q: 'type:sapi^2', position: 9, message: /"\^" .* is not supported/ },
  { q: 'type:sapi\\', position: 9, message: /expected a character after "\\"/ },
  { q: 'date:[2026-01-01 2026-02-01]', position: 17, message: /expected "TO" between the bounds of the range, found "2026-02-01"/ },
  { q: 'date:[2026-01-01 to 2026-02-01]', position: 17, message: /expected "TO"/ },
  { q: 'date:[2026-01-01 TO 2026-02-01', position: 30, message: /expected "\]" or "\}" to close the range opened at position 5/ },
  { q: 'date:[2026-01-01 TO ]', position: 20, message: /expected a value or \* after "TO", found "\]"/ },
  { q: 'date:[2026* TO *]', position: 6, message: /a range bound takes a value or a lone \* for an open end/ },
  { q: '[a TO b]', position: 0, message: /a range needs a field/ },
  { q: 'date:yesterday', position: 5, message: /expected a date such as 2026-01-31 or 2026-01-31T10:00:00Z, found "yesterday"/ },
  { q: 'date:2026-02-29', position: 5, message: /expected a date/ },
  { q: 'date:2026-01-01T24:00', position: 5, message: /expected a date/ },
  { q: 'date:1899-12-31', position: 5, message: /expected a date/ },
  { q: 'date:[2026-01-01 TO 2026-13]', position: 20, message: /expected a date/ },
  { q: 'date:2026*', position: 5, message: /date takes a date or a range, not wildcards/ },
  // hostile field names never reach SQL: they fail as syntax or as unknown fields
  { q: 'date);DROP TABLE audit_log;--:x', position: 4, message: /unexpected "\)" without a matching "\("/ },
  { q: 'type` = 1 OR `type:x', position: 13, message: /unknown field "`type"/ },
  { q: "type') OR 1=1 --:x", position: 5, message: /unexpected "\)"/ },
  { q: 'a]', position: 1, message: /unexpected "\]"/ },
];

describe('log search query errors say where and what', () => {
  for (const c of ERRORS) {
    it(JSON.stringify(c.q), () => {
      assert.throws(
        () => parseLogQuery(c.q),
        (err: unknown) => {
          assert.ok(err instanceof LogQueryError, String(err));
          assert.match(err.message, c.message);
          assert.match(err.message, new RegExp(`^Invalid query at position ${c.position}: `));
          assert.equal(err.position, c.position);
          assert.equal(err.statusCode, 400);
          assert.equal(err.errorCode, 'invalid_query_string');
          return true;
        },
      );
    });
  }

  it('refuses a q longer than Auth0 takes with 414', () => {
    assert.throws(
      () => parseLogQuery(`type:${'x'.repeat(MAX_QUERY_LENGTH)}`),
      (err: unknown) => err instanceof LogQueryError && err.statusCode === 414 && err.errorCode === 'query_too_long',
    );
  });

  it('bounds nesting and the number of conditions', () => {
    assert.throws(() => parseLogQuery(`${'('.repeat(40)}type:a${')'.repeat(40)}`), /nested more than 32 levels deep/);
    assert.throws(() => parseLogQuery(`${'NOT '.repeat(40)}type:a`), /nested more than 32 levels deep/);
    assert.throws(() => parseLogQuery(Array.from({ length: 101 }, (_, i) => `type:t${i}`).join(' OR ')), /more than 100 conditions/);
    assert.doesNotThrow(() => parseLogQuery(Array.from({ length: 100 }, (_, i) => `type:t${i}`).join(' OR ')));
  });
});

describe('injection attempts stay values', () => {
  const HOSTILE: string[] = [
    `type:"x') OR 1=1 --"`,
    `client_id:x' UNION SELECT`,
    `client_id:"x' UNION SELECT * FROM system.users --"`,
    String.raw`user_name:"\\'; DROP TABLE audit_log; --"`,
    String.raw`user_name:x\'\)\ OR\ 1=1`,
    'description:{p0\\:String\\}',
    "ip:'1.2.3.4'",
    'user_agent:"\u0000\n\r\t"',
    'client_name:"Ünï\u202Ecode 😀 \\u0027"',
    `user_name:*') OR 1=1 --*`,
    `user_name:"*') OR 1=1 --*"`,
    `log_id:["1' OR '1'='1" TO *]`,
    `date:[* TO 2026-01-01}) OR (1=1`,
  ];
  for (const q of HOSTILE) {
    it(JSON.stringify(q), () => {
      let out;
      try {
        out = compile(q);
      } catch (err) {
        // Refusing is fine too; what matters is that no SQL came of it.
        assert.ok(err instanceof LogQueryError, String(err));
        return;
      }
      for (const value of Object.values(out.params)) {
        assert.equal(typeof value, 'string');
        if ((value as string).length >= 3) assert.ok(!out.where.includes(value as string), `value ${JSON.stringify(value)} is not in the SQL`);
      }
    });
  }

  it('keeps the hostile text whole in the parameter', () => {
    assert.deepEqual(compile(`type:"x') OR 1=1 --"`).params, { p0: "x') OR 1=1 --" });
    assert.deepEqual(compile(String.raw`user_name:"\\'; DROP TABLE audit_log; --"`).params, { p0: String.raw`\'; DROP TABLE audit_log; --` });
    // Placeholder syntax in a value is still just a value (it cannot be checked by absence).
    assert.deepEqual(compile('description:"{p0:String}"'), { where: 'description = {p0:String}', params: { p0: '{p0:String}' } });
  });
});

describe('buildLogsSelect', () => {
  // Every column, in table order: what a log object with every field is presented from.
  const ALL = [
    'client_id', 'client_name', 'connection', 'connection_id', 'description', 'date', 'hostname', 'ip', 'log_id',
    'organization_id', 'user_id', 'user_name', 'user_agent', 'strategy', 'strategy_type', 'type', 'target_client_id',
    'target_client_name', 'scope', 'audience', 'details', 'chain', 'chain_seq', 'prev_hash', 'hash',
  ].join(', ');
  const FINAL = 'SETTINGS do_not_merge_across_partitions_select_final = 1';

  it('search mode: newest first, 50 per page, read through FINAL', () => {
    assert.deepEqual(buildLogsSelect({}), {
      query: `SELECT ${ALL} FROM audit_log FINAL WHERE true ORDER BY date DESC, log_id DESC LIMIT {limit:UInt32} OFFSET {offset:UInt32} ${FINAL}`,
      params: { limit: 50, offset: 0 },
      fields: OUTPUT_FIELDS,
    });
  });

  it('search mode: q, sort, page and per_page', () => {
    const built = buildLogsSelect({ q: 'type:sapi', sort: 'date:1', page: 3, perPage: 20 });
    assert.equal(
      built.query,
      `SELECT ${ALL} FROM audit_log FINAL WHERE type = {p0:String} ORDER BY date ASC, log_id ASC LIMIT {limit:UInt32} OFFSET {offset:UInt32} ${FINAL}`,
    );
    assert.deepEqual(built.params, { p0: 'sapi', limit: 20, offset: 60 });
  });

  it('search mode: only the first 1000 results can be paged', () => {
    assert.deepEqual(buildLogsSelect({ page: 9, perPage: 100 }).params, { limit: 100, offset: 900 });
    assert.deepEqual(buildLogsSelect({ page: 33, perPage: 30 }).params, { limit: 10, offset: 990 });
    assert.throws(() => buildLogsSelect({ page: 10, perPage: 100 }), /Only the first 1000 results/);
    assert.deepEqual(buildLogsSelect({ page: 10_000, perPage: 0 }).params, { limit: 0, offset: 0 });
  });

  it('refuses bad paging, sort and fields with 400', () => {
    const bad: Array<[unknown, RegExp]> = [
      [{ perPage: 101 }, /per_page must be a whole number from 0 to 100, got "101"/],
      [{ perPage: -1 }, /per_page/],
      [{ perPage: 1.5 }, /per_page/],
      [{ page: -1 }, /page must be a whole number at least 0/],
      [{ page: '1' }, /page/],
      [{ sort: 'user_id:1' }, /sort must be date:1 or date:-1, got "user_id:1"/],
      [{ fields: ['log_id', 'secret'] }, /Unknown field "secret" in fields/],
      [{ fields: ['log_id', 'date) FROM system.users --'] }, /Unknown field/],
      [{ fields: 'log_id' }, /fields must be a list/],
      [{ fields: ['log_id'], includeFields: 'yes' }, /include_fields must be true or false/],
      [{ take: 101 }, /take must be a whole number from 0 to 100/],
      [{ fromLogId: "1' OR 1=1" }, /from must be a log_id/],
      [{ fromLogId: '1'.repeat(57) }, /from must be a log_id/],
    ];
    for (const [opts, message] of bad) {
      assert.throws(
        () => buildLogsSelect(opts as Parameters<typeof buildLogsSelect>[0]),
        (err: unknown) => err instanceof LogQueryError && err.statusCode === 400 && message.test(err.message),
        JSON.stringify(opts),
      );
    }
  });

  it('fields: include or exclude; answers in Auth0 order, columns in table order, log_id always read', () => {
    const both = buildLogsSelect({ fields: ['date', 'log_id'] });
    assert.match(both.query, /^SELECT date, log_id FROM /);
    assert.deepEqual(both.fields, ['log_id', 'date']);
    assert.match(buildLogsSelect({ fields: ['date', 'log_id'], includeFields: true }).query, /^SELECT date, log_id FROM /);
    // _id is presented from log_id; the constants read nothing but the paging key.
    const id = buildLogsSelect({ fields: ['_id', 'isMobile'] });
    assert.match(id.query, /^SELECT log_id FROM /);
    assert.deepEqual(id.fields, ['_id', 'isMobile']);
    assert.match(buildLogsSelect({ fields: ['type'] }).query, /^SELECT log_id, type FROM /);
    // details carries Auth0's request context, presented from the caller columns.
    assert.match(buildLogsSelect({ fields: ['details'] }).query, /^SELECT client_id, ip, log_id, user_id, user_name, user_agent, scope, details FROM /);
    const without = buildLogsSelect({ fields: ['details', 'user_agent'], includeFields: false });
    assert.ok(!/\bdetails\b|\buser_agent\b/.test(without.query.split(' FROM ')[0] ?? ''), without.query);
    assert.match(without.query, /^SELECT client_id, client_name, .* audience, chain, chain_seq, prev_hash, hash FROM /);
    assert.ok(!without.fields.includes('details') && !without.fields.includes('user_agent') && without.fields.includes('_id'));
    assert.throws(() => buildLogsSelect({ fields: [...OUTPUT_FIELDS], includeFields: false }), /leaves no field/);
  });

  it('checkpoint mode: log_id order after from, other parameters ignored', () => {
    const from = `${String(Date.UTC(2026, 10, 1, 12)).padStart(16, '0')}${'7'.repeat(40)}`;
    const built = buildLogsSelect({ fromLogId: from, take: 10, q: 'type:"ignored', sort: 'date:1', page: 99, fields: ['nope'] });
    assert.equal(
      built.query,
      `SELECT ${ALL} FROM audit_log FINAL WHERE log_id > {from:String} AND date >= {from_date:${DT}} ORDER BY log_id ASC LIMIT {limit:UInt32} ${FINAL}`,
    );
    assert.deepEqual(built.params, { limit: 10, from, from_date: '2026-11-01 12:00:00.000' });
  });

  it('checkpoint mode: a horizon holds back the newest entries, bound', () => {
    const built = buildLogsSelect({ take: 5, horizonMs: 3000 });
    assert.equal(built.query, `SELECT ${ALL} FROM audit_log FINAL WHERE date <= now64(3) - toIntervalMillisecond({horizon:UInt32}) ORDER BY log_id ASC LIMIT {limit:UInt32} ${FINAL}`);
    assert.deepEqual(built.params, { limit: 5, horizon: 3000 });
    assert.throws(() => buildLogsSelect({ take: 5, horizonMs: -1 }), LogQueryError);
  });

  it('checkpoint mode: take alone starts at the oldest entry; from alone takes 50', () => {
    assert.deepEqual(buildLogsSelect({ take: 5 }), {
      query: `SELECT ${ALL} FROM audit_log FINAL WHERE true ORDER BY log_id ASC LIMIT {limit:UInt32} ${FINAL}`,
      params: { limit: 5 },
      fields: OUTPUT_FIELDS,
    });
    assert.deepEqual(buildLogsSelect({ fromLogId: '123' }).params, { limit: 50, from: '123' });
  });

  it('count and get by id', () => {
    assert.deepEqual(buildLogsCount({ q: 'type:sapi' }), {
      query: `SELECT count() AS total FROM audit_log FINAL WHERE type = {p0:String} ${FINAL}`,
      params: { p0: 'sapi' },
      fields: [],
    });
    const id = `${String(Date.UTC(2026, 0, 2)).padStart(16, '0')}${'1'.repeat(40)}`;
    assert.deepEqual(buildLogGet(id), {
      query: `SELECT ${ALL} FROM audit_log FINAL WHERE log_id = {id:String} AND date = {date:${DT}} LIMIT 1 ${FINAL}`,
      params: { id, date: '2026-01-02 00:00:00.000' },
      fields: OUTPUT_FIELDS,
    });
    assert.deepEqual(buildLogGet("x' OR 1=1").params, { id: "x' OR 1=1" });
  });
});

describe('any query string compiles to trusted SQL or a 400 (generated)', () => {
  // Query-shaped soup: real fields, operators, quotes, ranges, wildcards, escapes and any Unicode.
  const token = fc.oneof(
    fc.constantFrom(...COLUMNS.map((c) => `${c}:`), 'AND', 'OR', 'NOT', '(', ')', '"', "'", '[', ']', '{', '}', ' TO ', '*', '\\', ':', ' ', '--', ';', '{p0:String}'),
    fc.string({ unit: 'binary', maxLength: 12 }),
    fc.string({ unit: 'grapheme-ascii', maxLength: 12 }),
  );
  it('never yields SQL with input text in it, never throws anything but LogQueryError', () => {
    fc.assert(
      fc.property(fc.array(token, { maxLength: 30 }).map((parts) => parts.join('')), (q) => {
        try {
          compile(q);
        } catch (err) {
          assert.ok(err instanceof LogQueryError, `${String(err)} for ${JSON.stringify(q)}`);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('live tail: the cursor, settle and Last-Event-ID are bound, never in the SQL text', () => {
    const text = fc.string({ unit: 'binary', maxLength: 40 });
    fc.assert(
      fc.property(fc.array(token, { maxLength: 12 }).map((parts) => parts.join('')), text, text, text, fc.nat({ max: 60_000 }), (q, at, id, lastEventId, settle) => {
        let built;
        try {
          built = buildLogsTailPage({ q, after: { insertedAt: at, logId: id }, limit: 500, settleMs: settle });
        } catch (err) {
          assert.ok(err instanceof LogQueryError, String(err));
          return;
        }
        const other = buildLogsTailPage({ q, after: { insertedAt: '1970-01-01 00:00:00.000', logId: '' }, limit: 1, settleMs: 0 });
        assert.equal(built.query, other.query, 'the SQL does not depend on the cursor');
        assert.deepEqual([built.params.tail_at, built.params.tail_id, built.params.tail_settle], [at, id, settle]);
        try {
          const cursor = buildTailCursorOf(lastEventId);
          assert.equal(cursor.query, buildTailCursorOf('1'.repeat(56)).query);
        } catch (err) {
          assert.ok(err instanceof LogQueryError && !/^[0-9]{56}$/.test(lastEventId), String(err));
        }
      }),
      { numRuns: 1000 },
    );
  });
});
