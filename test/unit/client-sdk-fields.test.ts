import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, X509Certificate, createPrivateKey } from 'node:crypto';
import {
  apply, ClientCreateSchema, ClientUpdateSchema, decideCreate, decideUpdate, NULLABLE_ON_UPDATE, parseClientEventRecord,
  toClientEventRecord, toClientResponse, type ClientEvent, type ClientState,
} from '../../shared/clients/index.js';
import { createSecretBox } from '../../shared/crypto/secret-box.js';
import { encodeStructured, type IncomingRecord, type OutgoingRecord } from '../../shared/events/envelope.js';
import { Auth0Error } from '../../shared/errors/auth0-error.js';
import { createTenantSigningMaterial, signingMaterialFromPrivateKey, toSigningKey } from '../../shared/keys/index.js';

// The client fields of the auth0 7.1.0 SDK that apptrail used to refuse, with the validation Auth0
// documents (OAS in auth0/docs-v2) or answered (auth0/go-auth0 recordings).

const box = createSecretBox(randomBytes(32));
const T0 = '2026-01-01T00:00:00.000Z';
const PEM = '-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----';
const express = {
  initiate_login_uri_template: 'https://app.example.com/login?org={organization_name}',
  user_attribute_profile_id: 'uap_1',
  connection_profile_id: 'cop_1',
  enable_client: true,
  enable_organization: false,
  okta_oin_client_id: 'AbCdEfGhIjKlMnOpQrStUvWxYz012345',
  admin_login_domain: 'login.example.com',
};
const tvpa = {
  credentials: [{ credential_type: 'public_key', pem: PEM, name: 'vault key', alg: 'RS256', kid: 'key-id-0001' }],
  ip_allowlist: ['10.0.0.1', '2001:db8::/32'],
  grants: [{ connection: 'Username-Password-Authentication', scopes: ['openid'] }],
};
const NEW_FIELDS = {
  fedcm_login: { google: { is_enabled: true } },
  token_vault_privileged_access: tvpa,
  skip_non_verifiable_callback_uri_confirmation_prompt: true,
  express_configuration: express,
  async_approval_notification_channels: ['guardian-push', 'email'],
  identity_assertion_authorization_grant: { active: true },
  anonymous_sessions: { active: false },
  b2b_integration_configuration: { sso_profiles: ['ssop_1'], integration_type: 'application' },
};

/** The record as a consumer receives it. */
const incoming = (r: OutgoingRecord): IncomingRecord => ({ key: r.key === null ? null : Buffer.from(r.key), value: r.value, headers: r.headers });

function created(body: Record<string, unknown>): ClientState {
  const event = decideCreate(ClientCreateSchema.parse({ name: 'App', ...body }), { clientId: 'c1', secretSealed: box.seal('s') });
  const { state } = apply(undefined, event, T0);
  assert.ok(state);
  return state;
}

function refused(schema: 'create' | 'update', body: Record<string, unknown>): string {
  const result = (schema === 'create' ? ClientCreateSchema : ClientUpdateSchema).safeParse(schema === 'create' ? { name: 'App', ...body } : body);
  assert.ok(!result.success, `expected ${JSON.stringify(body)} to be refused`);
  return result.error.issues.map((i) => i.path.join('.')).join(' ');
}

describe('client fields of the auth0 7.1.0 SDK', () => {
  it('are accepted on create, stored through the event log and echoed', () => {
    const event = decideCreate(ClientCreateSchema.parse({ name: 'App', ...NEW_FIELDS }), { clientId: 'c1', secretSealed: box.seal('s') });
    const state = apply(undefined, event, T0).state!;
    const record = toClientEventRecord(event, {
      actor: 'a', actorclient: '', actorname: '', requestid: 'r', ip: '127.0.0.1', useragent: 'u', method: 'POST', path: '/api/v2/clients',
    }).record;
    const replayed = apply(undefined, parseClientEventRecord(incoming(record)).event, T0).state;
    assert.deepEqual(replayed, state, 'a replayed record folds to the same state');
    const answer = toClientResponse(state, { showSecrets: false, openSecret: box.open });
    for (const [key, value] of Object.entries(NEW_FIELDS)) assert.deepEqual(answer[key as keyof typeof answer], value, key);
  });

  it('are accepted on PATCH, null unsets the nullable ones', () => {
    const state = created({});
    const patch = { ...NEW_FIELDS, token_vault_privileged_access: { credentials: [{ id: 'cred_1' }], ip_allowlist: ['10.0.0.0/8'] } };
    const changed = apply(state, decideUpdate(state, ClientUpdateSchema.parse(patch)), T0).state!;
    assert.deepEqual(changed.config.token_vault_privileged_access, patch.token_vault_privileged_access);
    const nulls = Object.fromEntries(Object.keys(NEW_FIELDS).filter((k) => (NULLABLE_ON_UPDATE as readonly string[]).includes(k)).map((k) => [k, null]));
    assert.deepEqual(Object.keys(nulls).sort(), [
      'anonymous_sessions', 'async_approval_notification_channels', 'express_configuration', 'fedcm_login',
      'identity_assertion_authorization_grant', 'skip_non_verifiable_callback_uri_confirmation_prompt',
    ]);
    const unset = apply(changed, decideUpdate(changed, ClientUpdateSchema.parse(nulls)), T0).state!;
    for (const key of Object.keys(nulls)) assert.equal(key in unset.config, false, key);
  });

  it('fedcm_login: a PATCH removing google (FedCMLoginPatch) unsets the field, state never holds null inside', () => {
    const state = created({ fedcm_login: { google: { is_enabled: true } } });
    const removed = decideUpdate(state, ClientUpdateSchema.parse({ fedcm_login: { google: null } }));
    assert.deepEqual(removed.data.changes, { fedcm_login: null });
    const after = apply(state, removed, T0).state!;
    assert.equal('fedcm_login' in after.config, false);
    assert.deepEqual(decideUpdate(after, ClientUpdateSchema.parse({ fedcm_login: { google: null } })).data.changes, {}, 'nothing to remove: no change');
  });

  it('every field named nullable on update accepts null', () => {
    for (const key of NULLABLE_ON_UPDATE) assert.ok(ClientUpdateSchema.safeParse({ [key]: null }).success, key);
  });

  it('are validated as Auth0 documents or answers', () => {
    const cases: [string, 'create' | 'update', Record<string, unknown>, RegExp][] = [
      ['fedcm_login has at least one property', 'create', { fedcm_login: {} }, /^fedcm_login$/],
      ['fedcm_login has no other property', 'create', { fedcm_login: { apple: {} } }, /^fedcm_login\b/],
      ['fedcm_login.google is an object on create', 'create', { fedcm_login: { google: 'yes' } }, /fedcm_login.google/],
      ['skip_non_verifiable_… is a boolean', 'create', { skip_non_verifiable_callback_uri_confirmation_prompt: 'true' }, /skip_non_verifiable/],
      ['express_configuration requires its fields', 'create', { express_configuration: { enable_client: true } }, /express_configuration.initiate_login_uri_template/],
      ['express_configuration.oin_submission_id ≤ 200', 'create', { express_configuration: { ...express, oin_submission_id: 'x'.repeat(201) } }, /oin_submission_id/],
      ['async_approval_notification_channels has at least one', 'create', { async_approval_notification_channels: [] }, /async_approval/],
      ['async_approval_notification_channels are guardian-push or email', 'create', { async_approval_notification_channels: ['sms'] }, /async_approval_notification_channels.0/],
      ['tvpa credentials are public keys on create', 'create', { token_vault_privileged_access: { credentials: [{ id: 'cred_1' }] } }, /credentials.0/],
      ['tvpa credentials are ids on PATCH', 'update', { token_vault_privileged_access: { credentials: [{ credential_type: 'public_key', pem: PEM }] } }, /credentials.0/],
      ['tvpa at most 2 credentials', 'create', { token_vault_privileged_access: { ...tvpa, credentials: [tvpa.credentials[0], tvpa.credentials[0], tvpa.credentials[0]] } }, /credentials/],
      ['tvpa kid format', 'create', { token_vault_privileged_access: { credentials: [{ credential_type: 'public_key', pem: PEM, kid: 'short' }] } }, /kid/],
      ['tvpa ip_allowlist holds IPs or CIDRs', 'create', { token_vault_privileged_access: { ...tvpa, ip_allowlist: ['not-an-ip'] } }, /ip_allowlist.0/],
      ['tvpa ip_allowlist not empty', 'create', { token_vault_privileged_access: { ...tvpa, ip_allowlist: [] } }, /ip_allowlist/],
      ['tvpa ip_allowlist at most 10', 'create', { token_vault_privileged_access: { ...tvpa, ip_allowlist: Array.from({ length: 11 }, (_, i) => `10.0.0.${i + 1}`) } }, /ip_allowlist/],
      ['tvpa grants not empty', 'create', { token_vault_privileged_access: { ...tvpa, grants: [] } }, /grants/],
      ['tvpa at most 5 grants', 'create', { token_vault_privileged_access: { ...tvpa, grants: Array.from({ length: 6 }, (_, i) => ({ connection: `c${i}`, scopes: ['openid'] })) } }, /grants/],
      ['tvpa at most 20 scopes', 'create', { token_vault_privileged_access: { ...tvpa, grants: [{ connection: 'c', scopes: Array.from({ length: 21 }, (_, i) => `s${i}`) }] } }, /grants.0.scopes/],
      ['tvpa one grant per connection', 'create', { token_vault_privileged_access: { ...tvpa, grants: [{ connection: 'dup', scopes: ['openid'] }, { connection: 'dup', scopes: ['profile'] }] } }, /grants/],
      ['b2b sso_profiles at most 1', 'create', { b2b_integration_configuration: { sso_profiles: ['a', 'b'] } }, /sso_profiles/],
      ['identity_assertion_authorization_grant.active is required', 'create', { identity_assertion_authorization_grant: {} }, /identity_assertion_authorization_grant.active/],
      ['b2b_integration_configuration is not nullable', 'update', { b2b_integration_configuration: null }, /b2b_integration_configuration/],
    ];
    for (const [rule, schema, body, path] of cases) assert.match(refused(schema, body), path, rule);
  });

  it('third_party_security_mode: a PATCH may repeat it, not change it ("set on creation and cannot be modified")', () => {
    const state = created({ is_first_party: false, third_party_security_mode: 'permissive' });
    const same = decideUpdate(state, ClientUpdateSchema.parse({ third_party_security_mode: 'permissive', description: 'x' }));
    assert.deepEqual(same.data.changes, { description: 'x' });
    assert.throws(
      () => decideUpdate(state, ClientUpdateSchema.parse({ third_party_security_mode: 'strict' })),
      (err) => err instanceof Auth0Error && err.statusCode === 400 && /cannot be modified/.test(err.message),
    );
  });
});

describe('clients.events schema version 2', () => {
  it('a version 1 record (written before these fields) is read and folds the same', () => {
    const event: ClientEvent = decideCreate(ClientCreateSchema.parse({ name: 'Old' }), { clientId: 'c1', secretSealed: box.seal('s') });
    const v2 = toClientEventRecord(event, { actor: 'a', actorclient: '', actorname: '', requestid: 'r', ip: '', useragent: '', method: 'POST', path: '/' }).record;
    const ce = JSON.parse(String(v2.value));
    assert.equal(ce.schemaversion, 2);
    const v1 = encodeStructured({ ...ce, schemaversion: 1 });
    const read = parseClientEventRecord(incoming(v1));
    assert.deepEqual(read.event, event);
    assert.deepEqual(apply(undefined, read.event, T0), apply(undefined, event, T0));
  });
});

describe('tenant signing certificate', () => {
  // The pairs themselves are kept sealed on tenant.events (test/unit/tenant-fold.test.ts, test/e2e/tenant-api.test.ts).
  it('is a self-signed X.509 certificate for an RS256 key, made or given', async () => {
    const a = await createTenantSigningMaterial('my-tenant');
    const given = await signingMaterialFromPrivateKey(a.privateKeyPem, 'my-tenant');
    assert.equal(given.privateKeyPem, a.privateKeyPem);
    assert.ok(new X509Certificate(given.certificatePem).checkPrivateKey(createPrivateKey(a.privateKeyPem)), 'a certificate for the given key');

    const key = toSigningKey(a.certificatePem);
    assert.equal(key.subject, '/CN=my-tenant');
    const cert = new X509Certificate(key.cert);
    assert.equal(cert.subject, 'CN=my-tenant');
    assert.ok(cert.verify(cert.publicKey), 'self-signed');
    assert.ok(cert.checkPrivateKey(createPrivateKey(a.privateKeyPem)), 'matches the kept key');
    assert.equal(cert.publicKey.asymmetricKeyDetails?.modulusLength, 2048);
    assert.match(key.pkcs7, /^-----BEGIN PKCS7-----\n[A-Za-z0-9+/=\n]+-----END PKCS7-----\n$/);
    // The PKCS#7 bundle carries the same certificate (its DER inside the SignedData).
    assert.ok(Buffer.from(key.pkcs7.replace(/-----[A-Z0-9 ]+-----|\n/g, ''), 'base64').includes(cert.raw));
  });

  it('is shown as signing_keys only with the secrets', async () => {
    const signingKeys = [toSigningKey((await createTenantSigningMaterial('t')).certificatePem)];
    const state = created({});
    const hidden = toClientResponse(state, { showSecrets: false, openSecret: box.open, tenant: 't', signingKeys });
    assert.equal(hidden.tenant, 't');
    assert.equal('signing_keys' in hidden, false);
    const shown = toClientResponse(state, { showSecrets: true, openSecret: box.open, tenant: 't', signingKeys });
    assert.deepEqual(shown.signing_keys, signingKeys);
  });
});
