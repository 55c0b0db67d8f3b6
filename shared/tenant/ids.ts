import { createHash } from 'node:crypto';

// Ids derived from what must be unique: two instances creating the same API (or the same grant)
// at once decide on the same subject, so the expected-version check lets exactly one win, which
// a random id could not give. Shapes as Auth0's: 24 hex for APIs, `cgr_` + 16 for grants.

const hash = (text: string) => createHash('sha256').update(text).digest('hex');

export const resourceServerId = (identifier: string): string => hash(`resource_server\n${identifier}`).slice(0, 24);
export const clientGrantId = (clientId: string, audience: string): string => `cgr_${hash(`client_grant\n${clientId}\n${audience}`).slice(0, 16)}`;
/** The singletons. */
export const TENANT_SETTINGS_ID = 'tenant_settings';
export const SIGNING_KEYS_ID = 'signing_keys';
