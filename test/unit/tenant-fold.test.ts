// The tenant.events fold: generated command sequences decided on live and on stale states, then
// folded once, folded with redelivered batches, and round-tripped through the codec.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { createSecretBox } from '../../shared/crypto/secret-box.js';
import { Auth0Error } from '../../shared/errors/auth0-error.js';
import type { EventMeta } from '../../shared/clients/envelope.js';
import {
  apply, clientGrantId, createTenantDirectory, decideCreateClientGrant, decideCreateResourceServer, decideDeleteClientGrant, decideDeleteResourceServer,
  decideInitialiseKeys, decideRevokeKey, decideRotateKeys, decideUpdateClientGrant, decideUpdateResourceServer, decideUpdateSettings, managementResourceServer,
  newSigningKey, parseTenantEventRecord, resourceServerId, SIGNING_KEYS_ID, TENANT_SETTINGS_ID, TenantStore, toTenantEventRecord,
  type SigningKeyRecord, type TenantEvent, type TenantResourceState,
} from '../../shared/tenant/index.js';

const box = createSecretBox(randomBytes(32));
const meta: EventMeta = { actor: 'auth0|a', actorclient: 'c', actorname: 'A', requestid: 'r', ip: '127.0.0.1', useragent: 't', method: 'POST', path: '/x' };
const SYSTEM = 'https://mgmt.example/api/v2/';
const IDENTIFIERS = ['https://a.example', 'https://b.example', SYSTEM];
const CLIENTS = ['c1', 'c2'];
const SCOPES = ['read:x', 'write:x', 'admin:x'];
let pool: SigningKeyRecord[] = [];

before(async () => {
  pool = await Promise.all(Array.from({ length: 8 }, () => newSigningKey(box, 'prop')));
});

type Cmd =
  | { c: 'rs.create'; identifier: string; scopes: string[] }
  | { c: 'rs.update'; identifier: string; scopes?: string[]; token_lifetime?: number }
  | { c: 'rs.delete'; identifier: string }
  | { c: 'grant.create'; client: string; identifier: string; scope: string[] }
  | { c: 'grant.update'; client: string; identifier: string; scope: string[] }
  | { c: 'grant.delete'; client: string; identifier: string }
  | { c: 'settings'; dcr: boolean }
  | { c: 'keys.init'; a: number; b: number }
  | { c: 'keys.rotate'; k: number }
  | { c: 'keys.revoke'; k: number };

const scopes = fc.subarray(SCOPES);
const ident = fc.constantFrom(...IDENTIFIERS);
const client = fc.constantFrom(...CLIENTS);
const key = fc.nat({ max: 7 });
const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  fc.record({ c: fc.constant('rs.create' as const), identifier: ident, scopes }),
  fc.record({ c: fc.constant('rs.update' as const), identifier: ident, scopes: fc.option(scopes, { nil: undefined }), token_lifetime: fc.option(fc.integer({ min: 1, max: 1000 }), { nil: undefined }) }, { requiredKeys: ['c', 'identifier'] }),
  fc.record({ c: fc.constant('rs.delete' as const), identifier: ident }),
  fc.record({ c: fc.constant('grant.create' as const), client, identifier: ident, scope: scopes }),
  fc.record({ c: fc.constant('grant.update' as const), client, identifier: ident, scope: scopes }),
  fc.record({ c: fc.constant('grant.delete' as const), client, identifier: ident }),
  fc.record({ c: fc.constant('settings' as const), dcr: fc.boolean() }),
  fc.record({ c: fc.constant('keys.init' as const), a: key, b: key }),
  fc.record({ c: fc.constant('keys.rotate' as const), k: key }),
  fc.record({ c: fc.constant('keys.revoke' as const), k: key }),
);

/** The event a command decides on `store`, or undefined when it is refused or changes nothing. */
function decide(store: TenantStore, x: Cmd): TenantEvent | undefined {
  const dir = createTenantDirectory({ store, box, managementApi: managementResourceServer(SYSTEM, SCOPES), clientLive: () => true });
  try {
    switch (x.c) {
      case 'rs.create': return decideCreateResourceServer(store.get(resourceServerId(x.identifier)), { identifier: x.identifier, scopes: x.scopes.map((value) => ({ value })) }, SYSTEM);
      case 'rs.update': return decideUpdateResourceServer(store.get(resourceServerId(x.identifier)), { ...(x.scopes ? { scopes: x.scopes.map((value) => ({ value })) } : {}), ...(x.token_lifetime ? { token_lifetime: x.token_lifetime } : {}) });
      case 'rs.delete': return decideDeleteResourceServer(store.get(resourceServerId(x.identifier)));
      case 'grant.create': return decideCreateClientGrant(store.get(clientGrantId(x.client, x.identifier)), { client_id: x.client, audience: x.identifier, scope: x.scope }, { clientExists: true, audience: dir.audience(x.identifier) });
      case 'grant.update': return decideUpdateClientGrant(store.get(clientGrantId(x.client, x.identifier)), { scope: x.scope }, dir.audience);
      case 'grant.delete': return decideDeleteClientGrant(store.get(clientGrantId(x.client, x.identifier)));
      case 'settings': return decideUpdateSettings(store.get(TENANT_SETTINGS_ID), { flags: { enable_dynamic_client_registration: x.dcr } });
      case 'keys.init': return x.a === x.b ? undefined : decideInitialiseKeys(store.get(SIGNING_KEYS_ID), { current: pool[x.a]!, next: pool[x.b]! });
      case 'keys.rotate': return decideRotateKeys(store.get(SIGNING_KEYS_ID), pool[x.k]!);
      case 'keys.revoke': return decideRevokeKey(store.get(SIGNING_KEYS_ID), pool[x.k]!.kid);
    }
  } catch (err) {
    if (err instanceof Auth0Error) return undefined;
    throw err;
  }
}

const at = (i: number) => new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();
const snapshot = (store: TenantStore) => JSON.stringify([...store.all()].sort((a, b) => (a.id < b.id ? -1 : 1)));

/**
 * A log as racing writers make it: each command is decided on the newest state, or (stale) on the
 * state an earlier prefix of the log gave, as another instance that had not read that far yet.
 */
function buildLog(cmds: Array<{ cmd: Cmd; staleBy: number }>): TenantEvent[] {
  const log: TenantEvent[] = [];
  const prefixes: TenantStore[] = [new TenantStore()];
  for (const { cmd: x, staleBy } of cmds) {
    const view = prefixes[Math.max(0, prefixes.length - 1 - staleBy)]!;
    const event = decide(view, x);
    if (!event) continue;
    log.push(event);
    const next = new TenantStore();
    for (const [i, e] of log.entries()) next.apply({ id: `e${i}`, time: at(i), event: e, meta });
    prefixes.push(next);
  }
  return log;
}

const cmds = fc.array(fc.record({ cmd, staleBy: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.nat({ max: 3 }) }) }), { maxLength: 40 });

describe('tenant fold (properties)', () => {
  it('a conflict changes nothing; redelivered batches fold to the same states as one pass; invariants hold', () => {
    fc.assert(
      fc.property(cmds, fc.array(fc.nat(), { maxLength: 10 }), (generated, redeliveries) => {
        const log = buildLog(generated);
        const once = new TenantStore();
        const states: Array<TenantResourceState | undefined> = [];
        for (const [i, e] of log.entries()) {
          const before = once.get(e.subject);
          const { state, verdict } = apply(before, e, at(i));
          if (verdict === 'conflict') assert.equal(state, before, 'a conflict returns the state as it was');
          else assert.equal(state!.version, (before?.version ?? 0) + 1);
          once.apply({ id: `e${i}`, time: at(i), event: e, meta });
          states.push(once.get(e.subject));
        }
        // Redelivery: after record i, records from an earlier point j ≤ i come again (a consumer resuming from an old commit).
        const again = new TenantStore();
        const cuts = new Set(redeliveries.map((r) => (log.length === 0 ? 0 : r % log.length)));
        for (const [i, e] of log.entries()) {
          again.apply({ id: `e${i}`, time: at(i), event: e, meta });
          if (cuts.has(i)) for (let j = Math.max(0, i - 3); j <= i; j++) again.apply({ id: `e${j}`, time: at(j + 1000), event: log[j]!, meta });
        }
        assert.equal(snapshot(again), snapshot(once));

        const keys = once.liveOf('signing_keys', SIGNING_KEYS_ID);
        if (keys) {
          const { current_kid, next_kid } = keys.data;
          assert.notEqual(current_kid, next_kid);
          for (const kid of [current_kid, next_kid]) assert.equal(keys.data.keys.find((k) => k.kid === kid)?.revoked_at, undefined, 'current and next are never revoked');
          assert.equal(new Set(keys.data.keys.map((k) => k.kid)).size, keys.data.keys.length, 'no kid twice');
        }
        // A system API cannot be stored, so it never shadows the built-in one.
        assert.equal(once.liveOf('resource_server', resourceServerId(SYSTEM)), undefined);
        // Every grant's scopes were defined by its API when granted.
        for (const g of once.live('client_grant')) {
          const rs = once.get(resourceServerId(g.data.audience));
          if (g.data.audience !== SYSTEM && rs?.kind === 'resource_server' && rs.incarnation === g.data.audience_incarnation && !rs.deleted) assert.ok(g.data.scope.every((s) => SCOPES.includes(s)));
        }
      }),
    );
  });

  it('every event survives the tenant.events codec unchanged, with no private key in clear', () => {
    fc.assert(
      fc.property(cmds, (generated) => {
        for (const e of buildLog(generated)) {
          const { record } = toTenantEventRecord(e, meta);
          assert.ok(!String(record.value).includes('PRIVATE KEY'));
          const parsed = parseTenantEventRecord({ key: record.key === null ? null : Buffer.from(record.key), value: record.value, headers: record.headers });
          assert.deepEqual(parsed.event, e);
        }
      }),
      { numRuns: 30 },
    );
  });

  it('the directory signs with the current key and publishes current, next and unrevoked previous keys', async () => {
    const store = new TenantStore();
    const dir = createTenantDirectory({ store, box, managementApi: managementResourceServer(SYSTEM, SCOPES), clientLive: (c) => c === 'c1' });
    assert.throws(() => dir.issuingKey(), (err: Auth0Error) => err.statusCode === 503);
    const step = (e: TenantEvent | undefined, i: number) => assert.equal(store.apply({ id: `k${i}`, time: at(i), event: e!, meta }).verdict, 'applied');
    step(decideInitialiseKeys(undefined, { current: pool[0]!, next: pool[1]! }), 0);
    assert.equal(dir.issuingKey().kid, pool[0]!.kid);
    step(decideRotateKeys(store.get(SIGNING_KEYS_ID), pool[2]!), 1);
    assert.equal(dir.issuingKey().kid, pool[1]!.kid);
    assert.deepEqual(dir.publishedKeys().keys.map((k) => k.kid).sort(), [pool[0]!.kid, pool[1]!.kid, pool[2]!.kid].sort());
    step(decideRevokeKey(store.get(SIGNING_KEYS_ID), pool[0]!.kid), 2);
    assert.deepEqual(dir.publishedKeys().keys.map((k) => k.kid).sort(), [pool[1]!.kid, pool[2]!.kid].sort());
    assert.throws(() => decideRevokeKey(store.get(SIGNING_KEYS_ID), pool[1]!.kid), (err: Auth0Error) => err.statusCode === 400);
    // Grants of a client that is gone are not returned.
    step(decideCreateClientGrant(undefined, { client_id: 'c2', audience: SYSTEM, scope: ['read:x'] }, { clientExists: true, audience: dir.audience(SYSTEM) }), 3);
    assert.equal(dir.grant('c2', SYSTEM), undefined);
  });
});
