import { readFile } from 'node:fs/promises';
import type { Config } from '../../shared/config/index.js';

/** TLS material when configured: Auth0 SDKs only speak https, so real deployments set it. */
export async function loadTls(config: Config): Promise<{ cert: Buffer; key: Buffer } | undefined> {
  if (!config.TLS_CERT_FILE || !config.TLS_KEY_FILE) return undefined;
  const [cert, key] = await Promise.all([readFile(config.TLS_CERT_FILE), readFile(config.TLS_KEY_FILE)]);
  return { cert, key };
}
