import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/**
 * RFC 7592 registration access tokens, stateless: HMAC-SHA256 over the client id and the client's
 * sealed secret, under a key derived (HKDF) from the secrets key. Nothing is stored, and the
 * token is bound to exactly one client and one secret: it stops working when the client is
 * deleted (no state to recompute it from) or its secret is rotated or replaced (another sealed
 * value). The token never travels to Kafka or ClickHouse; only the sealed secret does, already.
 */
export function createRegistrationTokens(secretsKey: Buffer) {
  const key = Buffer.from(hkdfSync('sha256', secretsKey, Buffer.alloc(0), 'apptrail registration access token v1', 32));
  const mac = (clientId: string, sealedSecret: string) => createHmac('sha256', key).update(`${clientId}\n${sealedSecret}`).digest();
  return {
    issue(clientId: string, sealedSecret: string): string {
      return `rat_${mac(clientId, sealedSecret).toString('base64url')}`;
    },
    /** Constant time over the MAC; any other shape is simply not a match. */
    matches(token: string, clientId: string, sealedSecret: string): boolean {
      if (!/^rat_[A-Za-z0-9_-]{43}$/.test(token)) return false;
      return timingSafeEqual(Buffer.from(token.slice(4), 'base64url'), mac(clientId, sealedSecret));
    },
  };
}
export type RegistrationTokens = ReturnType<typeof createRegistrationTokens>;
