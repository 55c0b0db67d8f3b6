import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  ClientCreateSchema, ClientEventSchema, ClientUpdateSchema, REDACTED, apply, decideCreate, decideDelete,
  decideRotate, decideUpdate, diffClientStates, foldEvents, generateClientId, generateClientSecret, pickFields,
  toClientResponse, withCreateDefaults, type ClientCreate, type ClientEvent, type ClientState, type ClientUpdate,
} from '../../shared/clients/index.js';
import { createSecretBox } from '../../shared/crypto/secret-box.js';
import { Auth0Error } from '../../shared/errors/auth0-error.js';

const box = createSecretBox(randomBytes(32));
const T0 = '2026-01-01T00:00:00.000Z';
const T1 = '2026-01-01T00:01:00.000Z';
const T2 = '2026-01-01T00:02:00.000Z';
const T3 = '2026-01-01T00:03:00.000Z';

const createBody = (body: unknown): ClientCreate => ClientCreateSchema.parse(body);
const patchBody = (body: unknown): ClientUpdate => ClientUpdateSchema.parse(body);

/** Given: the events so far, folded; every one must apply. */
function given(...log: { event: ClientEvent; at: string }[]): ClientState {
  const { state, verdicts } = foldEvents(log);
  assert.ok(verdicts.every((v) => v === 'applied'), `given events must apply: ${verdicts.join(',')}`);
  assert.ok(state);
  return state;
}

function thenApplied(state: ClientState | undefined, event: ClientEvent, at: string): ClientState {
  const result = apply(state, event, at);
  assert.equal(result.verdict, 'applied');
  assert.ok(result.state);
  return result.state;
}

function assertAuth0Error(fn: () => unknown, statusCode: number, errorCode: string, message?: RegExp): void {
  assert.throws(fn, (err) => {
    assert.ok(err instanceof Auth0Error, String(err));
    assert.equal(err.statusCode, statusCode);
    assert.equal(err.errorCode, errorCode);
    if (message) assert.match(err.message, message);
    return true;
  });
}

const clientId = 'AbCdEfGhIjKlMnOpQrStUvWxYz012345';
const created = decideCreate(createBody({ name: 'Shop', app_type: 'regular_web', callbacks: ['https://shop.example.com/cb'] }), {
  clientId,
  secretSealed: box.seal('first-secret'),
});

describe('client lifecycle: decide + apply', () => {
  it('create → update → rotate → delete, one version per event', () => {
    // Given no client, When it is created
    assert.equal(created.expected_version, 0);
    assert.ok(ClientEventSchema.safeParse(created).success, 'decided events satisfy the event schema');
    const s1 = thenApplied(undefined, created, T0);
    assert.equal(s1.version, 1);
    assert.equal(s1.created_at, T0);
    assert.equal(s1.config.name, 'Shop');
    assert.equal(s1.config.token_endpoint_auth_method, 'client_secret_post');
    assert.equal(box.open(s1.client_secret_sealed), 'first-secret');

    // When its description and callbacks change
    const updated = decideUpdate(s1, patchBody({ description: 'The shop', callbacks: ['https://shop.example.com/cb2'], name: 'Shop' }));
    assert.equal(updated.expected_version, 1);
    assert.deepEqual(updated.data.changes, { description: 'The shop', callbacks: ['https://shop.example.com/cb2'] });
    const s2 = thenApplied(s1, updated, T1);
    assert.equal(s2.version, 2);
    assert.equal(s2.config.description, 'The shop');
    assert.equal(s2.created_at, T0);
    assert.equal(s2.updated_at, T1);

    // When its secret is rotated
    const rotated = decideRotate(s2, { secretSealed: box.seal('second-secret') });
    const s3 = thenApplied(s2, rotated, T2);
    assert.equal(s3.version, 3);
    assert.equal(box.open(s3.client_secret_sealed), 'second-secret');
    assert.deepEqual(s3.config, s2.config);

    // When it is deleted, Then later commands answer 404 inexistent_client
    const deleted = decideDelete(s3);
    const s4 = thenApplied(s3, deleted, T3);
    assert.equal(s4.version, 4);
    assert.equal(s4.deleted, true);
    assertAuth0Error(() => decideUpdate(s4, patchBody({ name: 'x' })), 404, 'inexistent_client', /The client does not exist/);
    assertAuth0Error(() => decideDelete(s4), 404, 'inexistent_client');
    assertAuth0Error(() => decideRotate(s4, { secretSealed: box.seal('s') }), 404, 'inexistent_client');
    assertAuth0Error(() => decideUpdate(undefined, patchBody({ name: 'x' })), 404, 'inexistent_client');
  });

  it('a PATCH unsets fields with null and replaces nested objects, completing defaults', () => {
    const s1 = given({ event: created, at: T0 });
    const event = decideUpdate(s1, patchBody({ refresh_token: null, jwt_configuration: { alg: 'HS256' }, token_endpoint_auth_method: null }));
    const s2 = thenApplied(s1, event, T1);
    assert.equal(s2.config.refresh_token, undefined);
    assert.equal('token_endpoint_auth_method' in s2.config, false);
    assert.deepEqual(s2.config.jwt_configuration, { lifetime_in_seconds: 36000, secret_encoded: false, alg: 'HS256' });
  });

  it('a PATCH with a client_secret carries only the sealed secret', () => {
    const s1 = given({ event: created, at: T0 });
    const sealed = box.seal('custom-secret');
    const event = decideUpdate(s1, patchBody({ client_secret: 'custom-secret' }), { secretSealed: sealed });
    assert.deepEqual(event.data, { changes: {}, client_secret_sealed: sealed });
    assert.ok(!JSON.stringify(event).includes('custom-secret'));
    assert.equal(box.open(thenApplied(s1, event, T1).client_secret_sealed), 'custom-secret');
    assert.throws(() => decideUpdate(s1, patchBody({ client_secret: 'x' })), /no secretSealed/);
  });

  it('the encryption key is stored sealed and shown only with secrets', () => {
    const key = { pub: '-----BEGIN PUBLIC KEY-----', cert: 'CERT', subject: '/CN=x' };
    const event = decideCreate(createBody({ name: 'wsfed', encryption_key: key }), {
      clientId, secretSealed: box.seal('s'), encryptionKeySealed: box.seal(JSON.stringify(key)),
    });
    assert.ok(!JSON.stringify(event).includes('BEGIN PUBLIC KEY'));
    const s1 = thenApplied(undefined, event, T0);
    const shown = toClientResponse(s1, { showSecrets: true, openSecret: box.open });
    assert.deepEqual(shown.encryption_key, key);
    assert.equal(toClientResponse(s1, { showSecrets: false, openSecret: box.open }).encryption_key, undefined);
    const removed = thenApplied(s1, decideUpdate(s1, patchBody({ encryption_key: null })), T1);
    assert.equal(removed.encryption_key_sealed, undefined);
  });

  it('checks cross-field rules on the merged result of a PATCH', () => {
    const s1 = given({
      event: decideCreate(createBody({ name: 'org', oidc_conformant: true, organization_usage: 'require', organization_require_behavior: 'post_login_prompt' }), {
        clientId, secretSealed: box.seal('s'),
      }),
      at: T0,
    });
    assertAuth0Error(() => decideUpdate(s1, patchBody({ is_first_party: false })), 400, 'invalid_body', /organization_usage is unset/);
    assertAuth0Error(() => decideUpdate(s1, patchBody({ oidc_conformant: false })), 400, 'invalid_body', /post_login_prompt' requires oidc_conformant/);
    const ok = decideUpdate(s1, patchBody({ is_first_party: false, organization_usage: null, organization_require_behavior: null }));
    assert.deepEqual(ok.data.changes, { is_first_party: false, organization_usage: null, organization_require_behavior: null });
  });

  it('refuses to rotate the secret of a private_key_jwt client', () => {
    const s1 = given({
      event: decideCreate(createBody({ name: 'pkjwt', client_authentication_methods: { private_key_jwt: { credentials: [] } } }), { clientId, secretSealed: box.seal('s') }),
      at: T0,
    });
    assert.equal(s1.config.token_endpoint_auth_method, undefined);
    assertAuth0Error(() => decideRotate(s1, { secretSealed: box.seal('n') }), 403, 'operation_not_supported');
  });
});

describe('update with no effective change', () => {
  it('produces empty changes', () => {
    const s1 = given({ event: created, at: T0 });
    // Same values, defaults spelled out, nested key order changed, null on an unset field.
    const event = decideUpdate(s1, patchBody({
      name: 'Shop',
      callbacks: ['https://shop.example.com/cb'],
      jwt_configuration: { alg: 'RS256', lifetime_in_seconds: 36000 },
      refresh_token: { expiration_type: 'non-expiring', rotation_type: 'non-rotating' },
      default_organization: null,
      is_first_party: true,
    }));
    assert.deepEqual(event.data, { changes: {} });
    const s2 = thenApplied(s1, event, T1);
    assert.deepEqual(s2.config, s1.config);
  });
});

describe('conflicts', () => {
  it('a stale expected_version changes nothing', () => {
    const s1 = given({ event: created, at: T0 });
    const a = decideUpdate(s1, patchBody({ description: 'A' }));
    const b = decideUpdate(s1, patchBody({ description: 'B' }));
    const s2 = thenApplied(s1, a, T1);
    // Both were decided on version 1; the second one arrives at version 2.
    const result = apply(s2, b, T2);
    assert.equal(result.verdict, 'conflict');
    assert.equal(result.state, s2);
    assert.equal(result.state?.config.description, 'A');
  });

  it('a create on an existing id, and any event on a deleted or missing client, are conflicts', () => {
    const s1 = given({ event: created, at: T0 });
    assert.equal(apply(s1, created, T1).verdict, 'conflict');
    assert.equal(apply(s1, { ...created, expected_version: 1 }, T1).verdict, 'conflict');
    const deleted = thenApplied(s1, decideDelete(s1), T1);
    assert.equal(apply(deleted, { ...decideDelete(s1), expected_version: 2 }, T2).verdict, 'conflict');
    assert.equal(apply(deleted, { ...created, expected_version: 2 }, T2).verdict, 'conflict');
    assert.equal(apply(undefined, { type: 'client.deleted', client_id: clientId, expected_version: 0, data: {} }, T0).verdict, 'conflict');
  });
});

describe('replay determinism', () => {
  it('folding the same log twice gives deep-equal states and verdicts', () => {
    const s1 = given({ event: created, at: T0 });
    const u1 = decideUpdate(s1, patchBody({ description: 'one', grant_types: ['authorization_code'] }));
    const stale = decideUpdate(s1, patchBody({ description: 'stale' }));
    const s2 = thenApplied(s1, u1, T1);
    const rot = decideRotate(s2, { secretSealed: box.seal('rotated') });
    // Events travel as JSON on Kafka: replay from parsed copies, not from the same objects.
    const log = [
      { event: created, at: T0 }, { event: u1, at: T1 }, { event: stale, at: T2 }, { event: rot, at: T3 },
    ].map(({ event, at }) => ({ event: ClientEventSchema.parse(JSON.parse(JSON.stringify(event))), at }));
    const first = foldEvents(log);
    const second = foldEvents(log);
    assert.deepEqual(first.verdicts, ['applied', 'applied', 'conflict', 'applied']);
    assert.deepEqual(second, first);
    assert.equal(first.state?.version, 3);
    assert.equal(first.state?.config.description, 'one');
  });
});

describe('create defaults', () => {
  it('fills Auth0 defaults', () => {
    const config = withCreateDefaults(createBody({ name: 'd' }));
    assert.deepEqual(config, {
      name: 'd',
      is_first_party: true,
      oidc_conformant: false,
      sso_disabled: false,
      cross_origin_authentication: false,
      custom_login_page_on: true,
      is_token_endpoint_ip_header_trusted: false,
      require_pushed_authorization_requests: false,
      require_proof_of_possession: false,
      jwt_configuration: { lifetime_in_seconds: 36000, secret_encoded: false, alg: 'RS256' },
      refresh_token: {
        rotation_type: 'non-rotating', expiration_type: 'non-expiring', leeway: 0, token_lifetime: 31557600,
        idle_token_lifetime: 2592000, infinite_token_lifetime: true, infinite_idle_token_lifetime: true,
      },
      grant_types: ['implicit', 'authorization_code', 'refresh_token', 'client_credentials'],
      token_endpoint_auth_method: 'client_secret_post',
      callbacks: [], allowed_origins: [], web_origins: [], allowed_logout_urls: [], client_aliases: [], allowed_clients: [],
    });
  });

  const BY_APP_TYPE = [
    { app_type: 'spa', auth: 'none', grants: ['implicit', 'authorization_code', 'refresh_token'] },
    { app_type: 'native', auth: 'none', grants: ['implicit', 'authorization_code', 'refresh_token'] },
    { app_type: 'regular_web', auth: 'client_secret_post', grants: ['implicit', 'authorization_code', 'refresh_token', 'client_credentials'] },
    { app_type: 'non_interactive', auth: 'client_secret_post', grants: ['implicit', 'authorization_code', 'refresh_token', 'client_credentials'] },
  ];
  for (const c of BY_APP_TYPE) {
    it(`defaults grant types and auth method for ${c.app_type}`, () => {
      const config = withCreateDefaults(createBody({ name: 'x', app_type: c.app_type }));
      assert.equal(config.token_endpoint_auth_method, c.auth);
      assert.deepEqual(config.grant_types, c.grants);
    });
  }

  it('keeps given values and merges jwt_configuration and refresh_token over the defaults', () => {
    const config = withCreateDefaults(createBody({
      name: 'x', app_type: 'spa', grant_types: ['authorization_code'], is_token_endpoint_ip_header_trusted: true,
      jwt_configuration: { lifetime_in_seconds: 60 },
      refresh_token: { rotation_type: 'rotating', expiration_type: 'expiring', token_lifetime: 3600, idle_token_lifetime: 1800 },
    }));
    assert.deepEqual(config.grant_types, ['authorization_code']);
    assert.equal(config.token_endpoint_auth_method, 'client_secret_post');
    assert.deepEqual(config.jwt_configuration, { lifetime_in_seconds: 60, secret_encoded: false, alg: 'RS256' });
    assert.deepEqual(config.refresh_token, {
      rotation_type: 'rotating', expiration_type: 'expiring', leeway: 0, token_lifetime: 3600, idle_token_lifetime: 1800,
      infinite_token_lifetime: false, infinite_idle_token_lifetime: false,
    });
  });

  it('gives strict third-party clients their allowed grants and expiring refresh tokens', () => {
    const config = withCreateDefaults(createBody({ name: '3p', is_first_party: false, third_party_security_mode: 'strict' }));
    assert.deepEqual(config.grant_types, ['authorization_code', 'refresh_token']);
    assert.equal(config.refresh_token?.expiration_type, 'expiring');
  });
});

describe('responses and audit diffs', () => {
  const s1 = given({ event: created, at: T0 });

  it('shows the secret only with showSecrets', () => {
    const hidden = toClientResponse(s1, { showSecrets: false, openSecret: box.open, tenant: 'acme' });
    assert.equal(hidden.client_secret, undefined);
    assert.equal(hidden.client_id, clientId);
    assert.equal(hidden.tenant, 'acme');
    assert.equal(hidden.global, false);
    assert.ok(!JSON.stringify(hidden).includes('first-secret'));
    const shown = toClientResponse(s1, { showSecrets: true, openSecret: box.open });
    assert.equal(shown.client_secret, 'first-secret');
  });

  it("picks or drops fields like Auth0's fields/include_fields", () => {
    const client = toClientResponse(s1, { showSecrets: false, openSecret: box.open });
    assert.deepEqual(pickFields(client, ['client_id', 'name', 'unknown'], true), { client_id: clientId, name: 'Shop' });
    const dropped = pickFields(client, ['callbacks', 'jwt_configuration'], false);
    assert.equal('callbacks' in dropped, false);
    assert.equal(dropped.name, 'Shop');
  });

  it('diffs states field by field with secrets redacted', () => {
    const u = decideUpdate(s1, patchBody({ description: 'new', jwt_configuration: { lifetime_in_seconds: 60 }, client_secret: 'zzz' }), { secretSealed: box.seal('zzz') });
    const s2 = thenApplied(s1, u, T1);
    assert.deepEqual(diffClientStates(s1, s2), [
      { path: 'client_secret', before: REDACTED, after: REDACTED },
      { path: 'description', after: 'new' },
      { path: 'jwt_configuration.lifetime_in_seconds', before: 36000, after: 60 },
    ]);
    const onCreate = diffClientStates(undefined, s1);
    assert.deepEqual(onCreate.find((c) => c.path === 'client_secret'), { path: 'client_secret', after: REDACTED });
    assert.ok(!JSON.stringify(onCreate).includes(s1.client_secret_sealed));
  });
});

describe('ids', () => {
  it('generates distinct ids and secrets', () => {
    assert.notEqual(generateClientId(), generateClientId());
    assert.notEqual(generateClientSecret(), generateClientSecret());
  });
});

describe('field-level concurrency', () => {
  it('a stale update of OTHER fields still applies, in log order', () => {
    const s1 = given({ event: created, at: T0 });
    const a = decideUpdate(s1, patchBody({ description: 'A' }));
    const b = decideUpdate(s1, patchBody({ logo_uri: 'https://logo.example.com/b.png' }));
    const s2 = thenApplied(s1, a, T1);
    const result = apply(s2, b, T2);
    assert.equal(result.verdict, 'applied');
    assert.equal(result.state?.version, 3);
    assert.equal(result.state?.config.description, 'A');
    assert.equal(result.state?.config.logo_uri, 'https://logo.example.com/b.png');
  });

  it('a stale rotate races a stale secret PATCH: the second one is a conflict', () => {
    const s1 = given({ event: created, at: T0 });
    const rot = decideRotate(s1, { secretSealed: box.seal('r1') });
    const patch = decideUpdate(s1, patchBody({ client_secret: 'custom-secret' }), { secretSealed: box.seal('custom-secret') });
    const s2 = thenApplied(s1, rot, T1);
    assert.equal(apply(s2, patch, T2).verdict, 'conflict');
  });

  it('a stale disjoint update that would break a cross-field rule is a conflict', () => {
    const s1 = given({ event: created, at: T0 });
    const org = decideUpdate(s1, patchBody({ organization_usage: 'allow' }));
    const thirdParty = decideUpdate(s1, patchBody({ is_first_party: false }));
    const s2 = thenApplied(s1, org, T1);
    const result = apply(s2, thirdParty, T2);
    assert.equal(result.verdict, 'conflict', 'is_first_party:false with organization_usage set must be re-decided');
    assert.equal(result.state, s2);
  });
});
