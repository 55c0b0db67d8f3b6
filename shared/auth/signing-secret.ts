import type { Config } from '../config/index.js';
import { loadOrCreateLocalKey } from '../keys/index.js';

/**
 * The HS256 secret for the embedded default: AUTH_SIGNING_SECRET, or a key generated once into
 * DATA_DIR so `npm run token` and `npm start` on the same machine agree without any setup.
 */
export async function resolveSigningSecret(config: Config): Promise<Uint8Array> {
  if (config.AUTH_SIGNING_SECRET) return new TextEncoder().encode(config.AUTH_SIGNING_SECRET);
  return loadOrCreateLocalKey(config.DATA_DIR, 'auth-signing', 32);
}

/** AES-256-GCM key sealing client and sink secrets: SECRETS_KEY, or a local key in DATA_DIR. */
export async function resolveSecretsKey(config: Config): Promise<Buffer> {
  if (config.SECRETS_KEY) return Buffer.from(config.SECRETS_KEY, 'base64');
  return loadOrCreateLocalKey(config.DATA_DIR, 'secrets', 32);
}

/** The Ed25519 seed signing audit checkpoints: AUDIT_CHECKPOINT_KEY, or a local key in DATA_DIR. */
export async function resolveCheckpointSeed(config: Config): Promise<Buffer> {
  if (config.AUDIT_CHECKPOINT_KEY) return Buffer.from(config.AUDIT_CHECKPOINT_KEY, 'base64');
  return loadOrCreateLocalKey(config.DATA_DIR, 'audit-checkpoint', 32);
}
