import { z } from 'zod';

/**
 * What the console reads from GET /console/config.json before anyone signs in: the Management
 * API's identifier to ask /oauth/token for (Auth0's discovery document has no field for it) and
 * where to ask. Nothing here is secret.
 */
export const ConsoleConfigSchema = z.object({
  token_endpoint: z.string(),
  management_api: z.object({ audience: z.string() }),
});
export type ConsoleConfig = z.infer<typeof ConsoleConfigSchema>;

// The config as a plain value, not shared/config's type: the console's own type-check reads this file.
export function consoleConfig(config: { AUTH_AUDIENCE: string }): ConsoleConfig {
  // Same origin as the console: the page's CSP allows connect-src 'self' only.
  return { token_endpoint: '/oauth/token', management_api: { audience: config.AUTH_AUDIENCE } };
}
