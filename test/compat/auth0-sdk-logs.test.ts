// The real Auth0 Node SDK (auth0 7.1.0, pinned) against apptrail's logs API over HTTPS: search,
// paging and its pager, get by id, checkpoints, field projections. Answers are checked against
// the SDK's own types (typed below, so tsc holds them to it) and against the shape Auth0 itself
// answers with (auth0/go-auth0 test/data/recordings/TestLogManager*.yaml).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManagementClient, type Management } from 'auth0';
import { startLogsTenant, suiteContext, type LogsTenant } from './logs-fixture.js';

/** The keys Auth0 sends in every log object it recorded, null when it has no value. */
const ALWAYS = [
  '_id', 'log_id', 'date', 'type', 'description', 'connection', 'connection_id', 'organization_id', 'organization_name',
  'client_id', 'client_name', 'ip', 'hostname', 'details', 'user_id', 'user_name', 'user_agent', 'audience', 'strategy',
  'strategy_type', 'isMobile', 'location_info',
] as const;

/** What the SDK's `Log` declares for each field; Auth0's answers put null where there is no value. */
const DECLARED: Partial<Record<keyof Management.Log, 'string' | 'boolean' | 'object'>> = {
  date: 'string', type: 'string', description: 'string', connection: 'string', connection_id: 'string', client_id: 'string',
  client_name: 'string', ip: 'string', hostname: 'string', user_id: 'string', user_name: 'string', audience: 'string',
  scope: 'string', strategy: 'string', strategy_type: 'string', log_id: 'string', isMobile: 'boolean', details: 'object',
  user_agent: 'string', security_context: 'object', location_info: 'object',
};

function assertAuth0Log(log: Management.Log): void {
  for (const key of ALWAYS) assert.ok(key in log, `${key} is always sent`);
  for (const [key, type] of Object.entries(DECLARED)) {
    const value: unknown = log[key];
    if (value === undefined || value === null) continue;
    assert.equal(typeof value, type, `${key} is a ${type} as the SDK declares`);
  }
  assert.equal(log._id, log.log_id);
  assert.match(String(log.log_id), /^[0-9]{56}$/);
  assert.equal(new Date(String(log.date)).toISOString(), log.date);
  // details.request as Auth0 records a Management API call.
  const request = (log.details as { request: Record<string, unknown> }).request;
  assert.equal(request.channel, 'api');
  assert.equal(typeof request.method, 'string');
  assert.equal(typeof request.path, 'string');
  assert.deepEqual(Object.keys(request.auth as object).sort(), ['credentials', 'strategy', 'user']);
  // The first signing key pair is made by apptrail itself at start: no caller, no address.
  const bySystem = log.user_id === 'apptrail';
  if (!bySystem) assert.equal(typeof request.ip, 'string');
  assert.equal(request.userAgent, bySystem ? 'apptrail' : 'apptrail-test/1.0');
}

describe('the auth0 SDK (7.1.0) reads apptrail logs over HTTPS', () => {
  const suite = suiteContext();
  let tenant: LogsTenant;
  let management: ManagementClient;
  const LABEL = 'sdk-logs';

  before(async () => {
    tenant = await startLogsTenant(suite.t);
    await tenant.act(5, LABEL);
    const token = await tenant.token('read:logs');
    management = new ManagementClient({ domain: tenant.domain, token, fetch: tenant.fetch, maxRetries: 0 });
  });
  after(() => suite.cleanup());

  it('lists with q and reads totals as the SDK expects them', async () => {
    // The SDK has no q parameter of its own: it goes through queryParams, as its docs say.
    const page = await management.logs.list({ per_page: 10 }, { queryParams: { q: 'type:sapi' } });
    const body: Management.ListLogOffsetPaginatedResponseContent = page.response;
    assert.equal(body.total, 7, '5 creates, 1 update, and the first signing key pair the API made at start');
    assert.equal(page.data.length, 7);
    for (const log of page.data) {
      assertAuth0Log(log);
      assert.equal(log.type, 'sapi');
    }
    const refused = await management.logs.list({}, { queryParams: { q: 'type:fapi' } });
    assert.equal(refused.data.length, 1);
    assertAuth0Log(refused.data[0]!);
    assert.equal((refused.data[0]!.details as { response: { statusCode: number } }).response.statusCode, 400);
  });

  it('pages with the SDK pager: every entry once, newest first', async () => {
    const page = await management.logs.list({ per_page: 2, sort: 'date:-1' });
    const ids: string[] = [];
    for await (const log of page) ids.push(String(log._id));
    assert.equal(ids.length, 8);
    assert.equal(new Set(ids).size, 8);
    const dates = await Promise.all(ids.map(async (id) => String((await management.logs.get(id)).date)));
    assert.deepEqual(dates, [...dates].sort().reverse());
  });

  it('gets one entry by id, and 404s an unknown one with the SDK NotFoundError', async () => {
    const [first] = (await management.logs.list({ per_page: 1 })).data;
    assert.ok(first);
    const got: Management.GetLogResponseContent = await management.logs.get(String(first._id));
    assertAuth0Log(got);
    assert.deepEqual(got, first);
    await assert.rejects(management.logs.get('9'.repeat(56)), (err: unknown) => err instanceof Error && err.constructor.name === 'NotFoundError');
  });

  it('walks checkpoints with from/take: each entry once, in log_id order', async () => {
    const seen: string[] = [];
    let from: string | undefined;
    for (let i = 0; i < 20; i++) {
      const page = await management.logs.list({}, { queryParams: { take: 3, ...(from ? { from } : {}) } });
      // Auth0 answers checkpoint mode with a bare array (every other parameter ignored), so the
      // SDK pager, which reads `logs`, finds no items: readers take the body itself.
      const body: unknown = page.response;
      assert.ok(Array.isArray(body));
      assert.equal(page.data.length, 0);
      const logs = body as Management.Log[];
      if (logs.length === 0) break;
      logs.forEach(assertAuth0Log);
      seen.push(...logs.map((l) => String(l._id)));
      from = String(logs.at(-1)!._id);
    }
    assert.equal(seen.length, 8);
    assert.deepEqual(seen, [...new Set(seen)].sort());
  });

  it('projects fields: _id selectable like log_id, include_fields=false leaves the rest', async () => {
    const only = (await management.logs.list({ fields: '_id,type', include_fields: true })).data;
    assert.equal(only.length, 8);
    for (const log of only) assert.deepEqual(Object.keys(log), ['_id', 'type']);
    const without = (await management.logs.list({ fields: 'details,_id', include_fields: false })).data;
    for (const log of without) {
      assert.ok(!('details' in log) && !('_id' in log));
      assert.ok('log_id' in log && 'isMobile' in log);
    }
  });

  it('refuses _id in q as Auth0 does not document it as searchable (log_id is)', async () => {
    await assert.rejects(management.logs.list({}, { queryParams: { q: '_id:1' } }), (err: unknown) => err instanceof Error && err.constructor.name === 'BadRequestError');
    const [one] = (await management.logs.list({ per_page: 1 })).data;
    const found = await management.logs.list({}, { queryParams: { q: `log_id:${String(one!.log_id)}` } });
    assert.deepEqual(found.data.map((l) => l._id), [one!._id]);
  });

  it('differs on purpose: entries name the client acted on (target_client_id/_name) and carry the diff and verdict', async () => {
    const [update] = (await management.logs.list({}, { queryParams: { q: 'description:"Update a client"' } })).data;
    assert.ok(update);
    assert.match(String(update.target_client_id), /\S/);
    assert.equal(update.target_client_name, `${LABEL} 0`);
    const details = update.details as { verdict: string; changes: Array<{ field: string; after: unknown }> };
    assert.equal(details.verdict, 'applied');
    assert.deepEqual(details.changes.map((c) => [c.field, c.after]), [['description', `${LABEL} updated`]]);
  });

  it("differs on purpose: user_id/user_name name the token's subject (Auth0 leaves them null on sapi and names the user only in details.request.auth)", async () => {
    const [log] = (await management.logs.list({}, { queryParams: { q: 'type:sapi' } })).data;
    assert.equal(log!.user_id, 'auth0|test-admin');
    const auth = (log!.details as { request: { auth: { user: unknown } } }).request.auth;
    assert.deepEqual(auth.user, { user_id: 'auth0|test-admin', name: 'Test Admin' });
  });
});
