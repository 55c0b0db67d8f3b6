import { createHash, createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { SecretBox } from '../crypto/secret-box.js';
import { createTenantSigningMaterial, signingMaterialFromPrivateKey, toSigningKey } from '../keys/tenant-certificate.js';
import type { SigningKeyRecord, SigningKeyResponse, SigningKeysData } from './schema.js';

// The tenant's RS256 token-signing keys: made here, sealed at once, opened only to sign.

/** A new key record (or one for a given PKCS#8 private key), its private half sealed. kid: the RFC 7638 thumbprint. */
export async function newSigningKey(box: SecretBox, commonName: string, opts: { privateKeyPem?: string; now?: Date } = {}): Promise<SigningKeyRecord> {
  const material = opts.privateKeyPem === undefined ? await createTenantSigningMaterial(commonName, opts.now) : await signingMaterialFromPrivateKey(opts.privateKeyPem, commonName, opts.now);
  const jwk = createPublicKey(material.certificatePem).export({ format: 'jwk' }) as JWK;
  return { kid: await calculateJwkThumbprint(jwk, 'sha256'), cert: material.certificatePem, private_key_sealed: box.seal(material.privateKeyPem) };
}

export function openPrivateKey(record: SigningKeyRecord, box: SecretBox): KeyObject {
  return createPrivateKey(box.open(record.private_key_sealed));
}

/** Current, next, and every previous key not revoked: what verifies tokens. */
export function publishedKeyRecords(data: SigningKeysData): SigningKeyRecord[] {
  return data.keys.filter((k) => k.revoked_at === undefined);
}

export function publicJwk(record: SigningKeyRecord): JWK {
  const cert = new X509Certificate(record.cert);
  const jwk = cert.publicKey.export({ format: 'jwk' }) as JWK;
  return {
    kty: jwk.kty, n: jwk.n, e: jwk.e, kid: record.kid, alg: 'RS256', use: 'sig',
    x5c: [cert.raw.toString('base64')],
    x5t: Buffer.from(createHash('sha1').update(cert.raw).digest()).toString('base64url'),
  };
}

/** Auth0's signing key object; flags and times appear only when they apply, as Auth0 shows them. */
export function presentSigningKey(record: SigningKeyRecord, data: SigningKeysData): SigningKeyResponse {
  const der = new X509Certificate(record.cert).raw;
  const sha1 = createHash('sha1').update(der).digest('hex').toUpperCase();
  const { cert, pkcs7 } = toSigningKey(record.cert);
  const current = record.kid === data.current_kid;
  const next = record.kid === data.next_kid;
  const revoked = record.revoked_at !== undefined;
  return {
    kid: record.kid,
    cert,
    pkcs7,
    ...(current ? { current: true } : {}),
    ...(next ? { next: true } : {}),
    ...(!current && !next && record.current_until !== undefined ? { previous: true } : {}),
    ...(record.current_since === undefined ? {} : { current_since: record.current_since }),
    ...(record.current_until === undefined ? {} : { current_until: record.current_until }),
    fingerprint: sha1.match(/.{2}/g)!.join(':'),
    thumbprint: sha1,
    ...(revoked ? { revoked: true, revoked_at: record.revoked_at } : {}),
  };
}
