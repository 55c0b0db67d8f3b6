// The token verifier reuses verifications by token string: a reused verification must never accept
// what verifying afresh would refuse, except a key withdrawn less than the cache TTL ago.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type JWTVerifyGetKey } from 'jose';
import { createTokenVerifier } from '../../shared/auth/index.js';
import { Auth0Error } from '../../shared/errors/auth0-error.js';

const AUDIENCE = 'https://apptrail.test/api/v2/';
const TTL_MS = 60_000;

/** A clock the test moves by hand; starts at the real time so iat stays plausible. */
function clock() {
  let t = Date.now();
  return { now: () => t, advance: (ms: number) => void (t += ms), seconds: () => Math.floor(t / 1000) };
}

async function rsaKeySet(kid: string) {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwks = createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'RS256' }] });
  const sign = (claims: { exp: number; scope?: string; sub?: string }) =>
    new SignJWT({ scope: claims.scope ?? 'read:clients' })
      .setProtectedHeader({ alg: 'RS256', kid })
      .setSubject(claims.sub ?? 'caller')
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(claims.exp)
      .sign(privateKey);
  return { jwks, sign };
}

/** A key set that can be swapped (rotation) and counts how often a verification needed a key. */
function swappableKeys(initial: JWTVerifyGetKey) {
  let current = initial;
  const state = { lookups: 0, use: (next: JWTVerifyGetKey) => void (current = next) };
  const keys: JWTVerifyGetKey = (header, token) => {
    state.lookups++;
    return current(header, token);
  };
  return { keys, state };
}

async function refusal(promise: Promise<unknown>): Promise<{ status: number; code: string | undefined }> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof Auth0Error, `expected an Auth0Error, got ${String(err)}`);
    return { status: err.statusCode, code: err.toJSON().errorCode };
  }
  assert.fail('the token was accepted');
}

describe('token verifier reuse of verified tokens', () => {
  it('verifies a token string once and answers the same principal from memory afterwards', async () => {
    const c = clock();
    const a = await rsaKeySet('a');
    const { keys, state } = swappableKeys(a.jwks);
    const verify = createTokenVerifier({ audience: AUDIENCE, keys, cache: { now: c.now, ttlMs: TTL_MS } });
    const token = await a.sign({ exp: c.seconds() + 3600, scope: 'read:clients create:clients' });
    const first = await verify(`Bearer ${token}`);
    const second = await verify(`Bearer ${token}`);
    assert.equal(state.lookups, 1);
    assert.deepEqual([...second.scopes].sort(), ['create:clients', 'read:clients']);
    assert.equal(second.sub, first.sub);
  });

  it("refuses a remembered token from its exp on, as 'token_expired'", async () => {
    const c = clock();
    const a = await rsaKeySet('a');
    const verify = createTokenVerifier({ audience: AUDIENCE, keys: a.jwks, cache: { now: c.now, ttlMs: TTL_MS } });
    // exp well inside the cache TTL: the TTL alone would keep it.
    const exp = c.seconds() + 10;
    const token = await a.sign({ exp });
    await verify(`Bearer ${token}`);
    c.advance(exp * 1000 - c.now() - 1);
    await verify(`Bearer ${token}`);
    c.advance(1);
    assert.deepEqual(await refusal(verify(`Bearer ${token}`)), { status: 401, code: 'token_expired' });
  });

  it('stops accepting a token of a withdrawn key once the TTL has passed (key rotation)', async () => {
    const c = clock();
    const [a, b] = [await rsaKeySet('a'), await rsaKeySet('b')];
    const { keys, state } = swappableKeys(a.jwks);
    const verify = createTokenVerifier({ audience: AUDIENCE, keys, cache: { now: c.now, ttlMs: TTL_MS } });
    const oldToken = await a.sign({ exp: c.seconds() + 3600 });
    await verify(`Bearer ${oldToken}`);
    state.use(b.jwks);
    // A fresh token of the new key is verified against it at once.
    await verify(`Bearer ${await b.sign({ exp: c.seconds() + 3600 })}`);
    c.advance(TTL_MS);
    assert.deepEqual(await refusal(verify(`Bearer ${oldToken}`)), { status: 401, code: 'invalid_token' });
  });

  it('never answers for a different string: a token with another signature is verified and refused', async () => {
    const c = clock();
    const [a, b] = [await rsaKeySet('a'), await rsaKeySet('a')];
    const verify = createTokenVerifier({ audience: AUDIENCE, keys: a.jwks, cache: { now: c.now } });
    const exp = c.seconds() + 3600;
    const good = await a.sign({ exp });
    const forged = await b.sign({ exp });
    await verify(`Bearer ${good}`);
    // Same header and claims, signed by another key: only the signature differs.
    assert.equal(forged.split('.').slice(0, 2).join('.'), good.split('.').slice(0, 2).join('.'));
    assert.equal((await refusal(verify(`Bearer ${forged}`))).status, 401);
  });

  it('keeps no memory across verifiers: a new HS256 secret refuses tokens the old verifier accepted', async () => {
    const c = clock();
    const oldSecret = new TextEncoder().encode('o'.repeat(32));
    const newSecret = new TextEncoder().encode('n'.repeat(32));
    const token = await new SignJWT({ scope: 'read:clients' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('caller')
      .setAudience(AUDIENCE)
      .setExpirationTime(c.seconds() + 3600)
      .sign(oldSecret);
    const before = createTokenVerifier({ audience: AUDIENCE, secret: oldSecret, cache: { now: c.now } });
    assert.equal((await before(`Bearer ${token}`)).sub, 'caller');
    assert.equal((await before(`Bearer ${token}`)).sub, 'caller');
    const after = createTokenVerifier({ audience: AUDIENCE, secret: newSecret, cache: { now: c.now } });
    assert.deepEqual(await refusal(after(`Bearer ${token}`)), { status: 401, code: 'invalid_token' });
  });

  it('remembers no refusal: a token refused before its nbf is accepted once nbf has come', async () => {
    const c = clock();
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const jwks = createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid: 'a', alg: 'RS256' }] });
    const verify = createTokenVerifier({ audience: AUDIENCE, keys: jwks, cache: { now: c.now } });
    const token = await new SignJWT({ scope: 'read:clients' })
      .setProtectedHeader({ alg: 'RS256', kid: 'a' })
      .setSubject('caller')
      .setAudience(AUDIENCE)
      .setNotBefore(c.seconds() + 5)
      .setExpirationTime(c.seconds() + 3600)
      .sign(privateKey);
    assert.equal((await refusal(verify(`Bearer ${token}`))).status, 401);
    c.advance(5_000);
    assert.equal((await verify(`Bearer ${token}`)).sub, 'caller');
  });
});
