import { createPublicKey, randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

/** One entry of Auth0's `signing_keys`: the tenant's signing certificate as PEM, as PKCS#7, and its subject. */
// A type alias, not an interface: it must fit the response schema's open (index-signed) object.
export type TenantSigningKey = {
  cert: string;
  pkcs7: string;
  subject: string;
};

/** The tenant's RS256 signing key and its self-signed certificate, both PEM. */
export interface TenantSigningMaterial {
  privateKeyPem: string;
  certificatePem: string;
}

// RS256, as Auth0 signs tenant tokens. 2048 bits is Auth0's tenant key size and the RFC 7518 minimum.
const RS256: webcrypto.RsaHashedKeyGenParams = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };
// Our choice: Auth0 does not document its tenant certificates' validity; they last for years.
const VALIDITY_YEARS = 10;

function toPem(der: ArrayBuffer, label: string): string {
  const lines = Buffer.from(der).toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** A self-signed X.509 certificate (PEM) for an RSA key pair, subject CN=<commonName>. */
export async function selfSignedCertificate(keys: webcrypto.CryptoKeyPair, commonName: string, now = new Date()): Promise<string> {
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + VALIDITY_YEARS);
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      // Positive 16-byte serial (RFC 5280 §4.1.2.2: at most 20 octets, non-negative).
      serialNumber: `01${randomBytes(15).toString('hex')}`,
      name: `CN=${commonName}`,
      notBefore: now,
      notAfter,
      keys,
      signingAlgorithm: RS256,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    },
    webcrypto,
  );
  return cert.toString('pem') + '\n';
}

/** A new RSA key and a self-signed X.509 certificate for it, subject CN=<commonName>. */
export async function createTenantSigningMaterial(commonName: string, now = new Date()): Promise<TenantSigningMaterial> {
  const keys = (await webcrypto.subtle.generateKey(RS256, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  return {
    privateKeyPem: toPem(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY'),
    certificatePem: await selfSignedCertificate(keys, commonName, now),
  };
}

/** The material for a given RSA private key (PKCS#8 PEM): the key and a new self-signed certificate for it. */
export async function signingMaterialFromPrivateKey(privateKeyPem: string, commonName: string, now = new Date()): Promise<TenantSigningMaterial> {
  const der = (pem: string) => Buffer.from(pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''), 'base64');
  const privateKey = await webcrypto.subtle.importKey('pkcs8', der(privateKeyPem), RS256, true, ['sign']);
  const publicDer = createPublicKey(privateKeyPem).export({ format: 'der', type: 'spki' });
  const publicKey = await webcrypto.subtle.importKey('spki', publicDer, RS256, true, ['verify']);
  return { privateKeyPem, certificatePem: await selfSignedCertificate({ privateKey, publicKey }, commonName, now) };
}

/** Auth0's `signing_keys` entry of a certificate: PEM, the PKCS#7 (.p7b) bundle holding it, `/CN=…` subject. */
export function toSigningKey(certificatePem: string): TenantSigningKey {
  const cert = new x509.X509Certificate(certificatePem);
  const cn = cert.subjectName.getField('CN')[0];
  if (cn === undefined) throw new Error('tenant certificate has no CN');
  return {
    cert: cert.toString('pem'),
    // The library labels the bundle CMS; OpenSSL and Auth0's .p7b use the PKCS7 label for the same DER.
    pkcs7: toPem(new x509.X509Certificates([cert]).export('raw'), 'PKCS7'),
    // The format the SDK documents: `/CN={domain}`.
    subject: `/CN=${cn}`,
  };
}
