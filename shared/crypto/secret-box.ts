import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

// Authenticated encryption of secrets at rest (client secrets, keys) so they never travel in
// plain text through Kafka or ClickHouse. Format: v1.<keyId>.<iv>.<tag>.<ciphertext>, parts in
// base64url. The keyId names the key, so a later key rotation can pick the key that opens a value.

const VERSION = 'v1';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const SEALED = /^v1\.[0-9a-f]{8}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]*$/;

export class SecretBoxError extends Error {
  override readonly name = 'SecretBoxError';
}

export interface SecretBox {
  /** First 8 hex characters of sha256(key). */
  readonly keyId: string;
  seal(plain: string): string;
  /** Throws SecretBoxError when the value is malformed, sealed with another key, or tampered with. */
  open(sealed: string): string;
}

export const isSealed = (value: unknown): value is string => typeof value === 'string' && SEALED.test(value);

/** The keyId a sealed value names, or undefined when it is not a sealed value. */
export const sealedKeyId = (sealed: string): string | undefined => (isSealed(sealed) ? sealed.split('.')[1] : undefined);

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== KEY_BYTES) {
    throw new SecretBoxError(`secret box key must be ${KEY_BYTES} bytes, got ${key.length}`);
  }
  const secretKey = Buffer.from(key);
  const keyId = createHash('sha256').update(secretKey).digest('hex').slice(0, 8);
  // The header is authenticated too, so a value cannot be relabelled with another version or key.
  const aad = Buffer.from(`${VERSION}.${keyId}`);

  return {
    keyId,
    seal(plain: string): string {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', secretKey, iv);
      cipher.setAAD(aad);
      const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [VERSION, keyId, iv.toString('base64url'), tag.toString('base64url'), ciphertext.toString('base64url')].join('.');
    },
    open(sealed: string): string {
      if (!isSealed(sealed)) throw new SecretBoxError('cannot open secret: not a v1 sealed value');
      const [, sealedKey, iv, tag, ciphertext] = sealed.split('.') as [string, string, string, string, string];
      if (sealedKey !== keyId) {
        throw new SecretBoxError(`cannot open secret: sealed with key ${sealedKey}, this box holds key ${keyId}`);
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', secretKey, Buffer.from(iv, 'base64url'));
        decipher.setAAD(aad);
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
      } catch (cause) {
        throw new SecretBoxError('cannot open secret: authentication failed (tampered value or wrong key)', { cause });
      }
    },
  };
}
