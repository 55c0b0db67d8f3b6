import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from '../../shared/clickhouse/index.js';
import { openTestClickHouse, type TestClickHouse } from '../helpers/clickhouse-target.js';
import { insertEntries } from '../../services/audit/writer.js';
import {
  AuditEntrySchema, LogQueryError, applyRetention, auditMigrations, buildLogGet, buildLogsCount, buildLogsSelect,
  currentRetentionDays, fromAuditRow, makeLogId, type AuditEntry, type BuiltQuery, type LogsSelectOptions,
} from '../../shared/audit/index.js';

// One chDB data folder for the whole file (chDB binds one per process); tests run in order.

let h: TestClickHouse;
let dir: string;

async function rows<T = Record<string, unknown>>(built: BuiltQuery): Promise<T[]> {
  const rs = await h.client.query({ query: built.query, query_params: built.params, format: 'JSONEachRow' });
  return rs.json<T>();
}

async function scalar(query: string): Promise<number> {
  const rs = await h.client.query({ query, format: 'JSONEachRow' });
  const [row] = await rs.json<{ n: string }>();
  return Number(row?.n);
}

async function insert(entries: AuditEntry[]): Promise<void> {
  // The production writer: what the queries read is exactly what services/audit stores.
  await insertEntries(h, entries);
}

//// Synthetic entries

const CALLERS = [
  { id: 'app-admin', name: 'Admin Console' },
  { id: 'app-ci', name: 'CI Bot' },
  { id: '', name: '' },
  { id: 'app_pct%', name: 'Percent % App' },
  { id: 'app-plus', name: 'Percent Plus' },
  { id: 'app-uni', name: 'Ünï 😀 App' },
];
const TARGETS = [
  { id: 'tgt-1', name: 'Shop' },
  { id: 'tgt-2', name: 'Shop Admin' },
  { id: 'tgt-3', name: "O'Reilly \\ App" },
  { id: 'tgt-4', name: 'under_score' },
  { id: 'tgt-5', name: 'underXscore' },
  { id: '', name: '' },
];
const USERS = [
  { id: 'auth0|u1', name: 'alice' },
  { id: 'auth0|u2', name: 'bob' },
  { id: 'auth0|u3', name: 'Zoë' },
  { id: 'app-ci@clients', name: 'CI Bot' },
];
const DESCRIPTIONS = {
  sapi: ['Create a client', 'Update a client', 'Delete a client', 'Rotate a client secret'],
  fapi: ['Failed to update a client', 'Insufficient scope', 'Shop'],
  mgmt_api_read: ['Read a client secret'],
} as const;
const HOSTILE_NAME = "x') OR 1=1 --";
const BASE = Date.UTC(2026, 7, 20); // spans Aug–Nov: four monthly partitions

function synthesize(count: number): AuditEntry[] {
  let seed = 7;
  const rand = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;
  const entries: AuditEntry[] = [];
  for (let i = 0; i < count; i++) {
    // Every 50th entry shares its predecessor's millisecond: ties must sort by log_id.
    const prev = entries[i - 1];
    const ms = i % 50 === 1 && prev ? Date.parse(prev.date) : BASE + Math.floor(rand() * 90 * 86_400_000);
    const type = pick(['sapi', 'sapi', 'sapi', 'fapi', 'fapi', 'mgmt_api_read'] as const);
    const caller = pick(CALLERS);
    const target = pick(TARGETS);
    const user = pick(USERS);
    const date = new Date(ms).toISOString();
    entries.push(
      AuditEntrySchema.parse({
        log_id: makeLogId(ms, `evt-${i}`),
        date,
        type,
        description: pick(DESCRIPTIONS[type]),
        client_id: caller.id,
        client_name: i === 13 ? HOSTILE_NAME : caller.name,
        user_id: user.id,
        user_name: user.name,
        ip: `10.0.0.${1 + Math.floor(rand() * 12)}`,
        user_agent: pick(['curl/8.5', 'node-auth0/5.1.0', 'Mozilla/5.0']),
        hostname: 'tenant.example.com',
        target_client_id: target.id,
        target_client_name: target.name,
        details: {
          request: { method: 'patch', path: `/api/v2/clients/${target.id}`, query: {}, body: { n: i } },
          response: { statusCode: type === 'fapi' ? 409 : 200, body: {} },
        },
        scope: 'update:clients',
        audience: 'https://tenant.example.com/api/v2/',
        organization_id: i % 9 === 0 ? 'org_1' : undefined,
      }),
    );
  }
  return entries;
}

const ENTRIES = synthesize(300);
const ms = (iso: string) => Date.parse(iso);
const day = (iso: string) => Date.parse(`${iso}T00:00:00.000Z`);
const newestFirst = (a: AuditEntry, b: AuditEntry) => ms(b.date) - ms(a.date) || (a.log_id < b.log_id ? 1 : -1);
const BARE = ['client_name', 'connection', 'description', 'ip', 'log_id', 'type', 'user_name', 'target_client_name'] as const;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'apptrail-audit-'));
  h = await openTestClickHouse('audit_query', join(dir, 'ch'), { embeddedDatabase: 'audit_test' });
  assert.deepEqual(await migrate(h, auditMigrations), { applied: [100, 101, 110] });
  assert.deepEqual(await migrate(h, auditMigrations), { applied: [] });

  for (let i = 0; i < ENTRIES.length; i += 100) await insert(ENTRIES.slice(i, i + 100));
  // Redelivery: a whole batch again, and a scattering of single entries across partitions.
  await insert(ENTRIES.slice(0, 100));
  await insert(ENTRIES.filter((_, i) => i % 7 === 0));
});

after(async () => {
  await h?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('audit_log on the embedded engine', () => {
  it('stores the redelivered copies but never shows them', async () => {
    const stored = await scalar('SELECT count() AS n FROM audit_log');
    assert.ok(stored > ENTRIES.length, `copies are physically there before a merge (${stored})`);
    const [counted] = await rows<{ total: string }>(buildLogsCount({}));
    assert.equal(counted?.total, String(ENTRIES.length));
    const all = await searchAll({});
    assert.equal(all.length, ENTRIES.length);
    assert.equal(new Set(all).size, ENTRIES.length);
  });

  it('reads an entry back as the log object it was written from', async () => {
    const entry = ENTRIES[13];
    assert.ok(entry);
    const [row] = await rows(buildLogGet(entry.log_id));
    assert.ok(row);
    const back = fromAuditRow(row) as Record<string, unknown>;
    assert.equal(back._id, entry.log_id);
    // Every stored field comes back; an empty one as Auth0 shows it: null, "", or left out.
    assert.equal(entry.client_id, '', 'this entry has no caller client_id');
    assert.equal(back.client_id, null);
    for (const [field, value] of Object.entries(entry)) {
      if (field === 'details') continue;
      if (value === '') assert.ok(back[field] === null || back[field] === '' || !(field in back), field);
      else assert.equal(back[field], value, field);
    }
    // details as written, plus Auth0's request context (auth, channel, ip, userAgent).
    const { auth: _auth, channel, ip, userAgent, ...request } = (back.details as { request: Record<string, unknown> }).request;
    assert.deepEqual({ ...(back.details as object), request }, entry.details);
    assert.deepEqual([channel, ip, userAgent], ['api', entry.ip || undefined, entry.user_agent || undefined]);
    assert.deepEqual(await rows(buildLogGet(`${entry.log_id.slice(0, 55)}x`)), []);
  });

  interface QueryCase {
    q: string;
    filter: (e: AuditEntry) => boolean;
    /** Most cases must select something, or they prove nothing. */
    empty?: boolean;
  }
  const CASES: QueryCase[] = [
    { q: '*', filter: () => true },
    { q: 'type:sapi', filter: (e) => e.type === 'sapi' },
    { q: 'type:fapi OR type:mgmt_api_read', filter: (e) => e.type !== 'sapi' },
    { q: 'type:(fapi OR mgmt_api_read)', filter: (e) => e.type !== 'sapi' },
    { q: 'NOT type:sapi AND NOT type:fapi', filter: (e) => e.type === 'mgmt_api_read' },
    { q: '-client_id:app-admin type:sapi', filter: (e) => e.client_id !== 'app-admin' && e.type === 'sapi' },
    {
      q: 'client_id:app-admin AND date:[2026-09-01 TO 2026-09-30]',
      filter: (e) => e.client_id === 'app-admin' && ms(e.date) >= day('2026-09-01') && ms(e.date) < day('2026-10-01'),
    },
    { q: 'date:{2026-09-15 TO 2026-10-15}', filter: (e) => ms(e.date) >= day('2026-09-16') && ms(e.date) < day('2026-10-15') },
    { q: 'date:[* TO 2026-09-01}', filter: (e) => ms(e.date) < day('2026-09-01') },
    { q: 'date:{2026-11-01 TO *]', filter: (e) => ms(e.date) >= day('2026-11-02') },
    { q: 'date:2026-10', filter: (e) => e.date.startsWith('2026-10-') },
    { q: `date:"${ENTRIES[1]?.date}"`, filter: (e) => e.date === ENTRIES[1]?.date },
    { q: 'description:"Update a client"', filter: (e) => e.description === 'Update a client' },
    { q: 'description:Update', filter: () => false, empty: true }, // not tokenized, as Auth0
    { q: 'description:*client', filter: (e) => e.description.endsWith('client') },
    { q: 'description:*secret*', filter: (e) => e.description.includes('secret') },
    { q: 'description:Rot*secret', filter: (e) => e.description === 'Rotate a client secret' },
    { q: 'description:update*', filter: () => false, empty: true }, // case-sensitive
    { q: 'user_name:Zo*', filter: (e) => e.user_name.startsWith('Zo') },
    { q: 'user_id:auth0|u1', filter: (e) => e.user_id === 'auth0|u1' },
    { q: 'client_name:"Percent % App"', filter: (e) => e.client_name === 'Percent % App' },
    { q: String.raw`client_name:Percent\ %*`, filter: (e) => e.client_name.startsWith('Percent %') },
    { q: 'client_id:app_*', filter: (e) => e.client_id.startsWith('app_') },
    { q: 'target_client_name:under_*', filter: (e) => e.target_client_name.startsWith('under_') },
    { q: String.raw`target_client_name:"O'Reilly \\ App"`, filter: (e) => e.target_client_name === "O'Reilly \\ App" },
    { q: 'target_client_id:tgt-1 OR target_client_id:tgt-2', filter: (e) => ['tgt-1', 'tgt-2'].includes(e.target_client_id) },
    { q: '_exists_:target_client_id', filter: (e) => e.target_client_id !== '' },
    { q: 'NOT _exists_:client_id', filter: (e) => e.client_id === '' },
    { q: 'client_id:""', filter: (e) => e.client_id === '' },
    { q: 'organization_id:org_1', filter: (e) => e.organization_id === 'org_1' },
    { q: 'ip:10.0.0.1*', filter: (e) => e.ip.startsWith('10.0.0.1') },
    { q: 'Shop', filter: (e) => BARE.some((f) => e[f] === 'Shop') },
    { q: '"Update a client" user_name:bob', filter: (e) => BARE.some((f) => e[f] === 'Update a client') && e.user_name === 'bob' },
    { q: 'Ünï*', filter: (e) => BARE.some((f) => e[f].startsWith('Ünï')) },
    { q: 'client_name:"Ünï 😀 App"', filter: (e) => e.client_name === 'Ünï 😀 App' },
    {
      q: '(type:sapi OR type:fapi) AND (user_name:alice OR -target_client_id:tgt-3)',
      filter: (e) => e.type !== 'mgmt_api_read' && (e.user_name === 'alice' || e.target_client_id !== 'tgt-3'),
    },
    { q: 'type:sapi OR type:fapi user_name:alice', filter: (e) => e.type === 'sapi' || (e.type === 'fapi' && e.user_name === 'alice') },
    { q: `client_name:"${HOSTILE_NAME}"`, filter: (e) => e.client_name === HOSTILE_NAME },
  ];
  const sortedIds = ENTRIES.map((e) => e.log_id).sort();
  CASES.push({
    q: `log_id:{${sortedIds[10]} TO ${sortedIds[40]}]`,
    filter: (e) => e.log_id > (sortedIds[10] ?? '') && e.log_id <= (sortedIds[40] ?? ''),
  });

  it('has data where an unescaped % or _ would match more', () => {
    assert.ok(ENTRIES.some((e) => e.client_name === 'Percent Plus'));
    assert.ok(ENTRIES.some((e) => e.target_client_name === 'underXscore'));
    assert.ok(ENTRIES.some((e) => e.client_id === 'app-ci'), 'app-ci would match an unescaped app_*');
  });

  for (const c of CASES) {
    it(`q=${c.q}`, async () => {
      const expected = ENTRIES.filter(c.filter).sort(newestFirst).map((e) => e.log_id);
      assert.equal(expected.length === 0, c.empty === true, `case selects ${expected.length} entries`);
      assert.deepEqual(await searchAll({ q: c.q }), expected);
      const [counted] = await rows<{ total: string }>(buildLogsCount({ q: c.q }));
      assert.equal(counted?.total, String(expected.length));
    });
  }

  it('sorts oldest first on request, log_id breaking ties', async () => {
    const expected = ENTRIES.filter((e) => e.type === 'sapi').sort((a, b) => newestFirst(b, a)).map((e) => e.log_id);
    assert.deepEqual(await searchAll({ q: 'type:sapi', sort: 'date:1' }), expected);
  });

  it('selects only the requested fields', async () => {
    const [row] = await rows(buildLogsSelect({ q: 'type:sapi', perPage: 1, fields: ['log_id', 'date'] }));
    assert.deepEqual(Object.keys(row ?? {}), ['date', 'log_id']);
  });

  it('checkpoint paging walks every entry exactly once, in log_id order', async () => {
    const seen: string[] = [];
    let from: string | undefined;
    for (let calls = 0; calls < 100; calls++) {
      const page = await rows<{ log_id: string }>(buildLogsSelect({ fromLogId: from, take: 37 }));
      if (page.length === 0) break;
      seen.push(...page.map((r) => r.log_id));
      from = page[page.length - 1]?.log_id;
    }
    assert.deepEqual(seen, sortedIds);

    const middle = await rows<{ log_id: string }>(buildLogsSelect({ fromLogId: sortedIds[100], take: 3 }));
    assert.deepEqual(middle.map((r) => r.log_id), sortedIds.slice(101, 104));
    assert.deepEqual(await rows(buildLogsSelect({ fromLogId: sortedIds[sortedIds.length - 1], take: 3 })), []);
  });

  it('checkpoint pages hold back the entries of the last horizonMs, so commits in flight land before a reader passes them', async () => {
    const now = Date.now();
    const recent = synthesize(2).map((e, i) => AuditEntrySchema.parse({ ...e, date: new Date(now - i * 100).toISOString(), log_id: makeLogId(now - i * 100, `recent-${i}`) }));
    await insert(recent);
    const last = sortedIds.at(-1)!;
    const within = await rows<{ log_id: string }>(buildLogsSelect({ fromLogId: last, take: 10, horizonMs: 60_000 }));
    assert.deepEqual(within, [], 'entries younger than the horizon are held back');
    const without = await rows<{ log_id: string }>(buildLogsSelect({ fromLogId: last, take: 10 }));
    assert.deepEqual(without.map((r) => r.log_id), recent.map((e) => e.log_id).sort());
    await h.client.command({ query: 'ALTER TABLE audit_log DELETE WHERE log_id IN ({ids:Array(String)}) SETTINGS mutations_sync = 1', query_params: { ids: recent.map((e) => e.log_id) } });
  });

  it('injection attempts find nothing and change nothing', async () => {
    const HOSTILE = [
      `type:"x') OR 1=1 --"`,
      `type:"x' OR '1'='1"`,
      `client_id:"x' UNION SELECT name FROM system.tables --"`,
      String.raw`user_name:"\\'; DROP TABLE audit_log; --"`,
      String.raw`user_name:x\'\)\ OR\ 1=1`,
      `user_name:*') OR 1=1 --*`,
      'description:"{p0:String}"',
      `log_id:["1' OR '1'='1" TO "1"]`,
      `client_id:x' UNION SELECT`,
      'date);DROP TABLE audit_log;--:x',
      'client_name:"Ünï\u202E 😀 \u0000"',
    ];
    for (const q of HOSTILE) {
      let built: BuiltQuery;
      try {
        built = buildLogsSelect({ q, perPage: 100 });
      } catch (err) {
        assert.ok(err instanceof LogQueryError, `${q}: ${String(err)}`);
        continue;
      }
      assert.deepEqual(await rows(built), [], q);
    }
    const [counted] = await rows<{ total: string }>(buildLogsCount({}));
    assert.equal(counted?.total, String(ENTRIES.length));
    assert.equal(await scalar("SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name = 'audit_log'"), 1);
  });

  it('keeps entries for the configured retention only', async () => {
    assert.equal(await currentRetentionDays(h.client), null);
    await assert.rejects(applyRetention(h.client, 0), RangeError);
    await assert.rejects(applyRetention(h.client, 1.5), RangeError);
    await assert.rejects(applyRetention(h.client, 36_501), RangeError);

    assert.equal(await applyRetention(h.client, 30), 'updated');
    assert.equal(await currentRetentionDays(h.client), 30);
    assert.equal(await applyRetention(h.client, 30), 'unchanged');

    const now = Date.now();
    const make = (ageDays: number, key: string) => {
      const date = new Date(now - ageDays * 86_400_000).toISOString();
      return AuditEntrySchema.parse({ ...ENTRIES[0], log_id: makeLogId(Date.parse(date), key), date });
    };
    const old = make(40, 'retention-old');
    const recent = make(1, 'retention-recent');
    await insert([old, recent]);
    await h.client.command({ query: 'OPTIMIZE TABLE audit_log FINAL' });
    assert.deepEqual(await rows(buildLogGet(old.log_id)), []);
    assert.equal((await rows(buildLogGet(recent.log_id))).length, 1);

    assert.equal(await applyRetention(h.client, 45), 'updated');
    assert.equal(await currentRetentionDays(h.client), 45);
    assert.equal(await applyRetention(h.client, null), 'updated');
    assert.equal(await currentRetentionDays(h.client), null);
    assert.equal(await applyRetention(h.client, null), 'unchanged');
  });
});

/** Every log_id a search returns, walking its pages as a client would. */
async function searchAll(opts: LogsSelectOptions): Promise<string[]> {
  const ids: string[] = [];
  const perPage = 100;
  for (let page = 0; page < 10; page++) {
    const got = await rows<{ log_id: string }>(buildLogsSelect({ ...opts, page, perPage }));
    ids.push(...got.map((r) => r.log_id));
    if (got.length < perPage) break;
  }
  return ids;
}
