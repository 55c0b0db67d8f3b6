import { randomBytes, randomInt } from 'node:crypto';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** 32 alphanumerics, like Auth0 client ids. randomInt is a CSPRNG without modulo bias. */
export function generateClientId(): string {
  let id = '';
  for (let i = 0; i < 32; i++) id += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return id;
}

/** 64 base64url characters (48 random bytes), like Auth0 client secrets. */
export function generateClientSecret(): string {
  return randomBytes(48).toString('base64url');
}

export const CLIENT_ID_PATTERN = /^[A-Za-z0-9]{32}$/;
export const CLIENT_SECRET_PATTERN = /^[A-Za-z0-9_-]{64}$/;
