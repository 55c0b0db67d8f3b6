import { z } from 'zod';
import { SealedSchema } from '../log-streams/schema.js';

// Auth0's shapes for the tenant-level resources apptrail keeps on tenant.events: resource servers
// (APIs), client grants, tenant settings and the tenant's signing keys.

const ScopeSchema = z.strictObject({
  value: z.string().min(1).max(280).regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'a scope is printable ASCII without spaces, quotes or backslashes (RFC 6749 §3.3)'),
  description: z.string().max(500).optional(),
});

/** Auth0 accepts HS256, RS256 and PS256; apptrail signs with RS256 only and refuses the others as invalid. */
export const SigningAlgSchema = z.enum(['RS256']).describe('Only RS256: apptrail signs every token with the tenant key');

const Identifier = z.string().min(1).max(600).describe('The audience of tokens for this API; unique and immutable');
const Name = z.string().min(1).max(200).regex(/^[^<>]+$/, 'must not contain < or >');
const TokenLifetime = z.int().min(1).max(2_592_000).describe('Seconds an access token for this API lasts');

export const ResourceServerCreateSchema = z.strictObject({
  identifier: Identifier,
  name: Name.optional(),
  scopes: z.array(ScopeSchema).max(1000).optional(),
  signing_alg: SigningAlgSchema.optional(),
  token_lifetime: TokenLifetime.optional(),
  allow_offline_access: z.boolean().optional(),
  skip_consent_for_verifiable_first_party_clients: z.boolean().optional(),
});
export type ResourceServerCreate = z.infer<typeof ResourceServerCreateSchema>;

/** The identifier cannot change: Auth0 refuses it as an additional property. */
export const ResourceServerUpdateSchema = ResourceServerCreateSchema.omit({ identifier: true });
export type ResourceServerUpdate = z.infer<typeof ResourceServerUpdateSchema>;

export const ResourceServerDataSchema = z.strictObject({
  identifier: z.string(),
  name: z.string(),
  scopes: z.array(ScopeSchema),
  signing_alg: SigningAlgSchema,
  token_lifetime: z.int(),
  allow_offline_access: z.boolean(),
  skip_consent_for_verifiable_first_party_clients: z.boolean(),
});
export type ResourceServerData = z.infer<typeof ResourceServerDataSchema>;

export const ResourceServerResponseSchema = ResourceServerDataSchema.extend({ id: z.string(), is_system: z.boolean(), token_lifetime_for_web: z.int() });
export type ResourceServerResponse = z.infer<typeof ResourceServerResponseSchema>;

export const ClientGrantCreateSchema = z.strictObject({
  client_id: z.string().min(1).max(64),
  audience: Identifier,
  scope: z.array(z.string().min(1).max(280)).max(1000),
});
export type ClientGrantCreate = z.infer<typeof ClientGrantCreateSchema>;

export const ClientGrantUpdateSchema = z.strictObject({ scope: z.array(z.string().min(1).max(280)).max(1000).optional() });
export type ClientGrantUpdate = z.infer<typeof ClientGrantUpdateSchema>;

export const ClientGrantDataSchema = z.strictObject({
  client_id: z.string(),
  audience: z.string(),
  scope: z.array(z.string()),
  /** Which life of the resource server the grant was made for: re-creating a deleted API does not revive its old grants. */
  audience_incarnation: z.int().min(0),
});
export type ClientGrantData = z.infer<typeof ClientGrantDataSchema>;

export const ClientGrantResponseSchema = z.object({ id: z.string(), client_id: z.string(), audience: z.string(), scope: z.array(z.string()) });

export const TenantSettingsDataSchema = z.strictObject({
  enable_dynamic_client_registration: z.boolean(),
  friendly_name: z.string().optional(),
  support_email: z.string().optional(),
});
export type TenantSettingsData = z.infer<typeof TenantSettingsDataSchema>;
export const DEFAULT_TENANT_SETTINGS: TenantSettingsData = { enable_dynamic_client_registration: false };

/** Auth0 puts the switch under `flags`; the other flags Auth0 has are not apptrail's and are refused. */
export const TenantSettingsUpdateSchema = z.strictObject({
  flags: z.strictObject({ enable_dynamic_client_registration: z.boolean().optional() }).optional(),
  friendly_name: z.string().min(1).max(255).optional(),
  support_email: z.email().max(255).optional(),
});
export type TenantSettingsUpdate = z.infer<typeof TenantSettingsUpdateSchema>;

export const TenantSettingsResponseSchema = z.object({
  friendly_name: z.string().optional(),
  support_email: z.string().optional(),
  flags: z.object({ enable_dynamic_client_registration: z.boolean() }),
});

/** One signing key as it travels and rests: the private key sealed, never in clear. */
export const SigningKeyRecordSchema = z.strictObject({
  kid: z.string().min(1),
  cert: z.string(),
  private_key_sealed: SealedSchema,
  current_since: z.string().optional(),
  current_until: z.string().optional(),
  revoked_at: z.string().optional(),
});
export type SigningKeyRecord = z.infer<typeof SigningKeyRecordSchema>;

export const SigningKeysDataSchema = z.strictObject({
  keys: z.array(SigningKeyRecordSchema),
  current_kid: z.string(),
  next_kid: z.string(),
});
export type SigningKeysData = z.infer<typeof SigningKeysDataSchema>;

export const SigningKeyResponseSchema = z.object({
  kid: z.string(),
  cert: z.string(),
  pkcs7: z.string(),
  current: z.boolean().optional(),
  next: z.boolean().optional(),
  previous: z.boolean().optional(),
  current_since: z.string().optional(),
  current_until: z.string().optional(),
  fingerprint: z.string(),
  thumbprint: z.string(),
  revoked: z.boolean().optional(),
  revoked_at: z.string().optional(),
});
export type SigningKeyResponse = z.infer<typeof SigningKeyResponseSchema>;
