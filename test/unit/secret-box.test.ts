import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { SecretBoxError, createSecretBox, isSealed, sealedKeyId } from '../../shared/crypto/secret-box.js';
import { CLIENT_ID_PATTERN, CLIENT_SECRET_PATTERN, generateClientId, generateClientSecret } from '../../shared/clients/ids.js';

const key = randomBytes(32);
const box = createSecretBox(key);

/** Replaces one base64url character of part `index` (0-based) of a sealed value. */
function flip(sealed: string, index: number): string {
  const parts = sealed.split('.');
  const part = parts[index] ?? '';
  const first = part[0] === 'A' ? 'B' : 'A';
  parts[index] = first + part.slice(1);
  return parts.join('.');
}

describe('secret box', () => {
  it('round-trips secrets, including empty and non-ASCII ones', () => {
    for (const plain of ['', 'a', generateClientSecret(), 'sécret ✓ 密钥', 'x'.repeat(10_000)]) {
      assert.equal(box.open(box.seal(plain)), plain);
    }
  });

  it('seals to v1.<keyId>.<iv>.<tag>.<ciphertext> with the key id of sha256(key)', () => {
    const sealed = box.seal('hello');
    const [version, keyId, iv, tag] = sealed.split('.');
    assert.equal(version, 'v1');
    assert.equal(keyId, createHash('sha256').update(key).digest('hex').slice(0, 8));
    assert.equal(box.keyId, keyId);
    assert.equal(Buffer.from(iv ?? '', 'base64url').length, 12);
    assert.equal(Buffer.from(tag ?? '', 'base64url').length, 16);
    assert.ok(isSealed(sealed));
    assert.equal(sealedKeyId(sealed), keyId);
  });

  it('never contains the plaintext, and uses a fresh IV per seal', () => {
    const secret = generateClientSecret();
    const a = box.seal(secret);
    const b = box.seal(secret);
    assert.notEqual(a, b);
    for (const sealed of [a, b]) {
      assert.ok(!sealed.includes(secret));
      assert.ok(!sealed.includes(Buffer.from(secret).toString('base64url')));
    }
  });

  it('detects tampering with the iv, the tag, the ciphertext or the key id', () => {
    const sealed = box.seal('tamper me please');
    for (const part of [2, 3, 4]) {
      assert.throws(() => box.open(flip(sealed, part)), (err) => err instanceof SecretBoxError && /tampered value or wrong key/.test(err.message));
    }
    // Another key id, still hex (the old flip-then-replace gave the same id back for ids starting with 0: 1 run in 16 passed without a throw).
    const [version, keyId, ...rest] = sealed.split('.') as [string, string, ...string[]];
    const otherId = (keyId[0] === '0' ? '1' : '0') + keyId.slice(1);
    assert.throws(() => box.open([version, otherId, ...rest].join('.')), SecretBoxError);
  });

  it('refuses a value sealed with another key, naming both key ids', () => {
    const other = createSecretBox(randomBytes(32));
    assert.throws(() => other.open(box.seal('x')), (err) => {
      assert.ok(err instanceof SecretBoxError);
      assert.match(err.message, new RegExp(`sealed with key ${box.keyId}, this box holds key ${other.keyId}`));
      return true;
    });
  });

  it('fails clearly on a different key that happens to share the key id, or on malformed input', () => {
    // Same keyId, different key: forge the header so the key id check passes.
    const other = createSecretBox(randomBytes(32));
    const relabelled = box.seal('x').replace(`.${box.keyId}.`, `.${other.keyId}.`);
    assert.throws(() => other.open(relabelled), /authentication failed/);
    for (const bad of ['', 'plain', 'v2.00000000.a.b.c', 'v1.zzzz.a.b.c']) {
      assert.equal(isSealed(bad), false);
      assert.throws(() => box.open(bad), /not a v1 sealed value/);
    }
  });

  it('requires a 32-byte key', () => {
    assert.throws(() => createSecretBox(randomBytes(16)), /must be 32 bytes, got 16/);
  });
});

describe('client ids and secrets', () => {
  it('have the Auth0 formats and differ every time', () => {
    const ids = new Set(Array.from({ length: 200 }, generateClientId));
    const secrets = new Set(Array.from({ length: 200 }, generateClientSecret));
    assert.equal(ids.size, 200);
    assert.equal(secrets.size, 200);
    for (const id of ids) assert.match(id, CLIENT_ID_PATTERN);
    for (const secret of secrets) {
      assert.match(secret, CLIENT_SECRET_PATTERN);
      assert.equal(Buffer.from(secret, 'base64url').length, 48);
    }
  });

  it('use the whole alphabet (no constant characters)', () => {
    const seen = new Set(Array.from({ length: 200 }, generateClientId).join(''));
    assert.ok(seen.size > 55, `only ${seen.size} distinct characters`);
  });
});
