// POST /oauth/token (client credentials) against an in-memory directory and client store: what
// the token carries, every OAuth refusal in Auth0's shape, the Management API accepting the tokens
// (rotation and revocation included), and generated malformed requests (never a 500).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeJwt, decodeProtectedHeader, generateKeyPair, SignJWT } from 'jose';
import { createOwnTokenVerifier, createTokenVerifier, SCOPES } from '../../shared/auth/index.js';
import { Auth0Error, unavailable } from '../../shared/errors/auth0-error.js';
import { basic, form, ISSUER, MANAGEMENT_AUDIENCE, oauthApp, OTHER_API } from '../helpers/oauth-app.js';

type Answer = { statusCode: number; json: () => Record<string, unknown>; headers: Record<string, unknown> };

function assertOAuthError(res: Answer, status: number, error: string, description?: string | RegExp) {
  assert.equal(res.statusCode, status, JSON.stringify(res.json()));
  const body = res.json();
  assert.equal(body.error, error);
  assert.equal(typeof body.error_description, 'string');
  assert.deepEqual(Object.keys(body).filter((k) => k !== 'error_uri').sort(), ['error', 'error_description']);
  if (typeof description === 'string') assert.equal(body.error_description, description);
  else if (description) assert.match(String(body.error_description), description);
}

describe('POST /oauth/token', () => {
  it('issues an RS256 token with the grant\'s scopes, for form, JSON and Basic authentication', async () => {
    const h = await oauthApp();
    const { clientId, secret } = h.addClient({ name: 'orders worker' });
    h.directory.addGrant(clientId, OTHER_API, ['read:orders', 'write:orders']);
    const answers = [
      await h.app.inject({ method: 'POST', url: '/oauth/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret, audience: OTHER_API }).body }),
      await h.app.inject({ method: 'POST', url: '/oauth/token', payload: { grant_type: 'client_credentials', client_id: clientId, client_secret: secret, audience: OTHER_API } }),
      await h.app.inject({ method: 'POST', url: '/oauth/token', headers: { authorization: basic(clientId, secret), 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ grant_type: 'client_credentials', audience: OTHER_API }).toString() }),
    ];
    for (const res of answers) {
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.headers['cache-control'], 'no-store');
      const body = res.json() as { access_token: string; token_type: string; expires_in: number; scope: string };
      assert.deepEqual(Object.keys(body).sort(), ['access_token', 'expires_in', 'scope', 'token_type']);
      assert.equal(body.token_type, 'Bearer');
      assert.equal(body.expires_in, 600);
      assert.equal(body.scope, 'read:orders write:orders');
      const header = decodeProtectedHeader(body.access_token);
      assert.equal(header.alg, 'RS256');
      assert.equal(header.kid, h.directory.issuingKey().kid);
      const claims = decodeJwt(body.access_token);
      assert.equal(claims.iss, ISSUER);
      assert.equal(claims.sub, `${clientId}@clients`);
      assert.equal(claims.aud, OTHER_API);
      assert.equal(claims.azp, clientId);
      assert.equal(claims.gty, 'client-credentials');
      assert.equal(claims.scope, 'read:orders write:orders');
      assert.equal(claims.exp! - claims.iat!, 600);
    }
  });

  it('narrows to a requested subset of the grant, and refuses scopes the grant lacks', async () => {
    const h = await oauthApp();
    const { clientId, secret } = h.addClient();
    h.directory.addGrant(clientId, OTHER_API, ['read:orders', 'write:orders']);
    const ask = (scope: string) => h.app.inject({ method: 'POST', url: '/oauth/token', payload: { grant_type: 'client_credentials', client_id: clientId, client_secret: secret, audience: OTHER_API, scope } });
    const narrowed = await ask('read:orders');
    assert.equal(narrowed.json().scope, 'read:orders');
    assert.equal(decodeJwt(narrowed.json().access_token).scope, 'read:orders');
    assertOAuthError(await ask('read:orders admin:orders'), 403, 'access_denied', 'Client has not been granted scopes: admin:orders');
  });

  it('a token never carries a scope the grant lacks: requested ⊆ grant gives exactly the request, anything else is refused (generated)', async () => {
    const h = await oauthApp();
    const universe = ['read:orders', 'write:orders', 'admin:orders', 'read:clients'];
    await fc.assert(
      fc.asyncProperty(fc.subarray(universe), fc.option(fc.array(fc.constantFrom(...universe, 'other'), { maxLength: 5 }), { nil: undefined }), async (granted, requested) => {
        const { clientId, secret } = h.addClient();
        h.directory.addGrant(clientId, OTHER_API, granted);
        const res = await h.app.inject({ method: 'POST', url: '/oauth/token', payload: { grant_type: 'client_credentials', client_id: clientId, client_secret: secret, audience: OTHER_API, ...(requested ? { scope: requested.join(' ') } : {}) } });
        const allowed = new Set(granted);
        if (requested && !requested.every((r) => allowed.has(r))) {
          assertOAuthError(res, 403, 'access_denied', /^Client has not been granted scopes: /);
          return;
        }
        assert.equal(res.statusCode, 200, res.body);
        const scope = String(decodeJwt(res.json().access_token).scope).split(' ').filter(Boolean);
        assert.ok(scope.every((x) => allowed.has(x)), 'only granted scopes');
        assert.deepEqual(new Set(scope), new Set(requested ?? granted));
        assert.equal(res.json().scope, scope.join(' '));
      }),
      { numRuns: 100 },
    );
  });

  it('a rotated client secret: the old one is refused, the new one works', async () => {
    const h = await oauthApp();
    const { clientId, secret } = h.addClient();
    h.directory.addGrant(clientId, OTHER_API, ['read:orders']);
    const fresh = h.rotateSecret(clientId);
    const ask = (s: string) => h.app.inject({ method: 'POST', url: '/oauth/token', payload: { grant_type: 'client_credentials', client_id: clientId, client_secret: s, audience: OTHER_API } });
    assertOAuthError(await ask(secret), 401, 'invalid_client');
    assert.equal((await ask(fresh)).statusCode, 200);
  });

  it('answers every refusal as Auth0 does', async () => {
    const h = await oauthApp();
    const ok = h.addClient();
    h.directory.addGrant(ok.clientId, OTHER_API, ['read:orders']);
    const noCc = h.addClient({ app_type: 'regular_web', grant_types: ['authorization_code'], callbacks: ['https://app.example.com/cb'] });
    h.directory.addGrant(noCc.clientId, OTHER_API, ['read:orders']);
    const gone = h.addClient();
    h.directory.addGrant(gone.clientId, OTHER_API, ['read:orders']);
    h.deleteClient(gone.clientId);
    const post = (payload: Record<string, string>, headers: Record<string, string> = {}) => h.app.inject({ method: 'POST', url: '/oauth/token', payload, headers });
    const good = { grant_type: 'client_credentials', client_id: ok.clientId, client_secret: ok.secret, audience: OTHER_API };

    assertOAuthError(await post({ ...good, grant_type: '' }), 400, 'invalid_request', 'Missing required parameter: grant_type');
    assertOAuthError(await post({ ...good, grant_type: 'password' }), 400, 'unsupported_grant_type', 'Unsupported grant type: password');
    const { client_id: _omit, ...noId } = good;
    void _omit;
    assertOAuthError(await post(noId), 400, 'invalid_request', 'Missing required parameter: client_id');
    assertOAuthError(await post({ ...good, client_secret: `${ok.secret}x` }), 401, 'invalid_client', 'Client authentication failed');
    const { client_secret: _s, ...noSecret } = good;
    void _s;
    assertOAuthError(await post(noSecret), 401, 'invalid_client');
    assertOAuthError(await post({ ...good, client_id: 'nobody' }), 401, 'invalid_client');
    assertOAuthError(await post({ ...good, client_id: gone.clientId, client_secret: gone.secret }), 401, 'invalid_client');
    const viaBasic = await post({ grant_type: 'client_credentials', audience: OTHER_API }, { authorization: basic(ok.clientId, 'wrong') });
    assertOAuthError(viaBasic, 401, 'invalid_client');
    assert.match(String(viaBasic.headers['www-authenticate']), /^Basic/);
    assertOAuthError(await post(good, { authorization: basic(ok.clientId, ok.secret) }), 400, 'invalid_request');
    assertOAuthError(await post({ ...good, client_id: noCc.clientId, client_secret: noCc.secret }), 403, 'unauthorized_client', "Grant type 'client_credentials' not allowed for the client.");
    const { audience: _a, ...noAudience } = good;
    void _a;
    assertOAuthError(await post(noAudience), 403, 'access_denied', 'No audience parameter was provided, and no default audience has been configured');
    assertOAuthError(await post({ ...good, audience: 'https://nowhere.example/' }), 403, 'access_denied', 'Service not found: https://nowhere.example/');
    assertOAuthError(await post({ ...good, audience: MANAGEMENT_AUDIENCE }), 403, 'access_denied', new RegExp(`^Client is not authorized to access "${MANAGEMENT_AUDIENCE.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}"`));
    // Malformed bodies keep the OAuth shape.
    const repeated = await h.app.inject({ method: 'POST', url: '/oauth/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'grant_type=client_credentials&grant_type=client_credentials' });
    assertOAuthError(repeated, 400, 'invalid_request');
    assertOAuthError(await h.app.inject({ method: 'POST', url: '/oauth/token', headers: { 'content-type': 'application/json' }, payload: '{"grant_type":' }), 400, 'invalid_request');
    assertOAuthError(await h.app.inject({ method: 'POST', url: '/oauth/token', headers: { 'content-type': 'text/plain' }, payload: 'x' }), 415, 'invalid_request');
    assertOAuthError(await h.app.inject({ method: 'POST', url: '/oauth/token', payload: { grant_type: ['client_credentials'] } }), 400, 'invalid_request');
    assertOAuthError(await h.app.inject({ method: 'POST', url: '/oauth/token', headers: { 'content-type': 'application/json' }, payload: '[1]' }), 400, 'invalid_request');
  });

  it('rate-limits per client with 429 in the OAuth shape', async () => {
    const h = await oauthApp({ rateLimitPerMinute: 3 });
    const a = h.addClient();
    const b = h.addClient();
    const post = (c: { clientId: string; secret: string }) => h.app.inject({ method: 'POST', url: '/oauth/token', payload: { grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.secret, audience: OTHER_API } });
    for (let i = 0; i < 3; i++) assert.notEqual((await post(a)).statusCode, 429);
    const limited = await post(a);
    assertOAuthError(limited, 429, 'too_many_requests');
    assert.ok(limited.headers['retry-after']);
    assert.notEqual((await post(b)).statusCode, 429, 'another client has its own budget');
  });

  it('never answers a generated request with a 500, and every refusal is an OAuth error body', async () => {
    const h = await oauthApp();
    const c = h.addClient();
    h.directory.addGrant(c.clientId, OTHER_API, ['read:orders']);
    const value = fc.oneof(fc.string(), fc.constantFrom('client_credentials', c.clientId, c.secret, OTHER_API, 'read:orders', '__proto__'), fc.integer(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 }));
    const keys = fc.constantFrom('grant_type', 'client_id', 'client_secret', 'audience', 'scope', '__proto__', 'constructor', 'x');
    const params = fc.dictionary(keys, value, { maxKeys: 6 });
    const body = fc.oneof(
      params.map((p) => ({ type: 'application/json', payload: JSON.stringify(p) })),
      params.map((p) => ({ type: 'application/x-www-form-urlencoded', payload: Object.entries(p).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`).join('&') })),
      fc.record({ type: fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'text/plain', 'application/json; charset=utf-8'), payload: fc.string() }),
    );
    const authorization = fc.option(fc.oneof(fc.string(), fc.tuple(fc.string(), fc.string()).map(([u, p]) => basic(u, p)), fc.constant(basic(c.clientId, c.secret))), { nil: undefined });
    await fc.assert(
      fc.asyncProperty(body, authorization, async (b, auth) => {
        const res = await h.app.inject({ method: 'POST', url: '/oauth/token', headers: { 'content-type': b.type, ...(auth === undefined ? {} : { authorization: auth }) }, payload: b.payload });
        assert.ok(res.statusCode < 500, `${res.statusCode} ${res.body}`);
        if (res.statusCode >= 400) {
          const json = res.json();
          assert.equal(typeof json.error, 'string');
          assert.equal(typeof json.error_description, 'string');
        } else {
          assert.equal(res.statusCode, 200);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('discovery and the Management API accepting issued tokens', () => {
  it('serves the JWKS and an openid-configuration consistent with the issuer', async () => {
    const h = await oauthApp();
    const jwks = (await h.app.inject({ url: '/.well-known/jwks.json' })).json() as { keys: Array<{ kid: string; kty: string; d?: string }> };
    assert.deepEqual(jwks.keys.map((k) => k.kid), [h.directory.issuingKey().kid]);
    assert.ok(jwks.keys.every((k) => k.kty === 'RSA' && k.d === undefined), 'public keys only');
    const conf = (await h.app.inject({ url: '/.well-known/openid-configuration' })).json();
    assert.equal(conf.issuer, ISSUER);
    assert.equal(conf.token_endpoint, `${ISSUER}oauth/token`);
    assert.equal(conf.jwks_uri, `${ISSUER}.well-known/jwks.json`);
    assert.equal(conf.registration_endpoint, `${ISSUER}oidc/register`);
    assert.deepEqual(conf.grant_types_supported, ['client_credentials']);
    assert.deepEqual(conf.token_endpoint_auth_methods_supported, ['client_secret_basic', 'client_secret_post']);
  });

  it('accepts its own tokens beside the HS256 key; a rotated key still verifies until revoked, even when cached', async () => {
    const h = await oauthApp();
    const { clientId, secret } = h.addClient();
    h.directory.addGrant(clientId, MANAGEMENT_AUDIENCE, ['read:clients', 'create:clients']);
    const tokenNow = async () => (await h.app.inject({ method: 'POST', url: '/oauth/token', payload: { grant_type: 'client_credentials', client_id: clientId, client_secret: secret, audience: MANAGEMENT_AUDIENCE } })).json().access_token as string;
    const whoami = (token: string) => h.app.inject({ url: '/api/v2/whoami', headers: { authorization: `Bearer ${token}` } });
    const first = await tokenNow();
    const me = await whoami(first);
    assert.equal(me.statusCode, 200, me.body);
    assert.deepEqual(me.json(), { sub: `${clientId}@clients`, clientId, scopes: ['create:clients', 'read:clients'] });
    assert.equal((await whoami(await h.devToken())).statusCode, 200, 'the development HS256 key still works');

    const oldKid = h.directory.issuingKey().kid;
    await h.directory.rotate();
    const second = await tokenNow();
    assert.notEqual(decodeProtectedHeader(second).kid, oldKid);
    assert.equal((await whoami(first)).statusCode, 200, 'the previous key still verifies');
    assert.equal((await whoami(second)).statusCode, 200);
    h.directory.revoke(oldKid);
    const revoked = await whoami(first);
    assert.equal(revoked.statusCode, 401, 'a revoked key\'s token stops at once, although its verification was cached');
    assert.equal((await whoami(second)).statusCode, 200);
    assert.ok(SCOPES.length > 0);
  });

  it('a directory without keys yet: development tokens still verify, RS256 tokens with a kid get its 503', async () => {
    const devSecret = new TextEncoder().encode('x'.repeat(32));
    const verify = createOwnTokenVerifier({
      audience: MANAGEMENT_AUDIENCE,
      issuer: ISSUER,
      published: () => {
        throw unavailable('The tenant signing keys are not loaded yet. Retry shortly.');
      },
      fallback: createTokenVerifier({ audience: MANAGEMENT_AUDIENCE, secret: devSecret }),
    });
    const dev = await new SignJWT({ scope: 'read:clients' }).setProtectedHeader({ alg: 'HS256' }).setSubject('dev').setAudience(MANAGEMENT_AUDIENCE).setExpirationTime('1h').sign(devSecret);
    assert.equal((await verify(`Bearer ${dev}`)).sub, 'dev');
    const { privateKey } = await generateKeyPair('RS256');
    const rs = await new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setSubject('x').setAudience(MANAGEMENT_AUDIENCE).setExpirationTime('1h').sign(privateKey);
    await assert.rejects(verify(`Bearer ${rs}`), (err: unknown) => err instanceof Auth0Error && err.statusCode === 503);
  });
});

