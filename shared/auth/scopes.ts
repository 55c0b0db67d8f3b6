/** The Management API scopes apptrail checks, named as Auth0 names them. */
export const SCOPES = [
  'create:clients',
  'read:clients',
  'read:client_keys',
  'read:client_summary',
  'update:clients',
  'update:client_keys',
  'delete:clients',
  'read:logs',
  'read:logs_users',
  // Ours: sign an audit checkpoint on demand (tamper evidence).
  'create:log_checkpoints',
  'create:log_streams',
  'read:log_streams',
  'update:log_streams',
  'delete:log_streams',
] as const;
export type Scope = (typeof SCOPES)[number];
