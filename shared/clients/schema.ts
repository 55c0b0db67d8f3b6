import { z } from 'zod';
import { clientFields as f, FedCmLoginPatchSchema, TokenVaultPrivilegedAccessCreateSchema, TokenVaultPrivilegedAccessUpdateSchema } from './fields.js';
import { clientRuleViolations, toRuleView, type RuleScope } from './rules.js';
import { withCreateDefaults } from './defaults.js';
import { fieldLimitViolations, type FieldLimits } from '../http/json-limits.js';

// The request, state and response shapes of a client, all built from the field schemas in
// fields.ts so a field is defined once. Bodies are strict (Auth0: additionalProperties false).

const allOptional = z.object(f).partial().shape;
// resource_server_identifier is create-only (absent from the OAS and SDK update bodies).
// third_party_security_mode is in both, but "set on creation and cannot be modified": a PATCH may
// repeat the stored value and nothing else (decideUpdate).
const { resource_server_identifier: _rsi, ...updatableOptional } = allOptional;

const addRuleIssues = (view: Record<string, unknown>, scope: RuleScope, ctx: z.RefinementCtx) => {
  for (const v of clientRuleViolations(toRuleView(view), scope)) {
    ctx.addIssue({ code: 'custom', path: v.path, message: v.message, params: { rule: v.rule } });
  }
};

const KIB = 1024;
/**
 * Depth (the field's own object is level 1) and JSON size of the pass-through objects, whose
 * content Auth0 does not describe. Checked on requests only: events already on the log keep
 * parsing whatever they hold. client_metadata has Auth0's own limits (fields.ts).
 */
export const FREE_FORM_LIMITS: Readonly<Partial<Record<keyof typeof f, FieldLimits>>> = {
  addons: { maxDepth: 8, maxBytes: 64 * KIB },
  jwt_configuration: { maxDepth: 4, maxBytes: 16 * KIB },
  mobile: { maxDepth: 4, maxBytes: 16 * KIB },
  native_social_login: { maxDepth: 4, maxBytes: 4 * KIB },
  encryption_key: { maxDepth: 2, maxBytes: 16 * KIB },
  oidc_logout: { maxDepth: 4, maxBytes: 16 * KIB },
  oidc_backchannel_logout: { maxDepth: 4, maxBytes: 16 * KIB },
  session_transfer: { maxDepth: 4, maxBytes: 16 * KIB },
  token_quota: { maxDepth: 4, maxBytes: 4 * KIB },
  token_exchange: { maxDepth: 4, maxBytes: 4 * KIB },
  client_authentication_methods: { maxDepth: 5, maxBytes: 64 * KIB },
  signed_request_object: { maxDepth: 5, maxBytes: 64 * KIB },
  my_organization_configuration: { maxDepth: 4, maxBytes: 16 * KIB },
};

const addFreeFormIssues = (body: Record<string, unknown>, ctx: z.RefinementCtx) => {
  for (const v of fieldLimitViolations(body, FREE_FORM_LIMITS as Record<string, FieldLimits>)) {
    ctx.addIssue({ code: 'custom', path: v.path, message: v.text });
  }
};

// ---- POST /api/v2/clients ----

const clientCreateObject = z.strictObject({
  ...allOptional,
  name: f.name,
  token_vault_privileged_access: TokenVaultPrivilegedAccessCreateSchema.optional(),
  // Auth0 documents these as "object or null" on create; null means the same as absent.
  encryption_key: f.encryption_key.nullable().optional(),
  refresh_token: f.refresh_token.nullable().optional(),
  default_organization: f.default_organization.nullable().optional(),
  compliance_level: f.compliance_level.nullable().optional(),
  par_request_expiry: f.par_request_expiry.nullable().optional(),
});
export type ClientCreate = z.infer<typeof clientCreateObject>;

export const ClientCreateSchema = clientCreateObject
  .superRefine((body, ctx) => {
    addFreeFormIssues(body, ctx);
    addRuleIssues(withCreateDefaults(body), { kind: 'all' }, ctx);
  })
  .describe('Body of POST /api/v2/clients');

// ---- PATCH /api/v2/clients/{id} ----

/** Fields a PATCH may set to null, which unsets them. */
export const NULLABLE_ON_UPDATE = [
  'token_endpoint_auth_method', 'refresh_token', 'default_organization', 'compliance_level',
  'par_request_expiry', 'encryption_key', 'client_authentication_methods', 'session_transfer',
  'token_quota', 'my_organization_configuration', 'organization_usage',
  'organization_require_behavior', 'organization_discovery_methods', 'cross_origin_loc',
  'native_social_login', 'token_exchange', 'fedcm_login', 'skip_non_verifiable_callback_uri_confirmation_prompt',
  'express_configuration', 'async_approval_notification_channels', 'identity_assertion_authorization_grant',
  'anonymous_sessions',
] as const;

const clientUpdateObject = z.strictObject({
  ...updatableOptional,
  token_endpoint_auth_method: f.token_endpoint_auth_method.nullable().optional(),
  refresh_token: f.refresh_token.nullable().optional(),
  default_organization: f.default_organization.nullable().optional(),
  compliance_level: f.compliance_level.nullable().optional(),
  par_request_expiry: f.par_request_expiry.nullable().optional(),
  encryption_key: f.encryption_key.nullable().optional(),
  client_authentication_methods: f.client_authentication_methods.nullable().optional(),
  session_transfer: f.session_transfer.nullable().optional(),
  token_quota: f.token_quota.nullable().optional(),
  my_organization_configuration: f.my_organization_configuration.nullable().optional(),
  organization_usage: f.organization_usage.nullable().optional(),
  organization_require_behavior: f.organization_require_behavior.nullable().optional(),
  organization_discovery_methods: f.organization_discovery_methods.nullable().optional(),
  cross_origin_loc: f.cross_origin_loc.nullable().optional(),
  native_social_login: f.native_social_login.nullable().optional(),
  token_exchange: f.token_exchange.nullable().optional(),
  fedcm_login: FedCmLoginPatchSchema.nullable().optional(),
  skip_non_verifiable_callback_uri_confirmation_prompt: f.skip_non_verifiable_callback_uri_confirmation_prompt.nullable().optional(),
  express_configuration: f.express_configuration.nullable().optional(),
  async_approval_notification_channels: f.async_approval_notification_channels.nullable().optional(),
  identity_assertion_authorization_grant: f.identity_assertion_authorization_grant.nullable().optional(),
  anonymous_sessions: f.anonymous_sessions.nullable().optional(),
  token_vault_privileged_access: TokenVaultPrivilegedAccessUpdateSchema.optional(),
  client_secret: z
    .string()
    .min(1)
    .describe('The secret used to sign tokens for the client (requires the update:client_keys scope)')
    .optional(),
});
export type ClientUpdate = z.infer<typeof clientUpdateObject>;

export const ClientUpdateSchema = clientUpdateObject
  // Only the rules whose fields are all in the body; decideUpdate checks the merged result.
  .superRefine((body, ctx) => {
    addFreeFormIssues(body, ctx);
    addRuleIssues(body, { kind: 'present', keys: new Set(Object.keys(body)) }, ctx);
  })
  .describe('Body of PATCH /api/v2/clients/{id}');

// ---- State ----

/**
 * A client's configuration as stored in events and state: defaults applied, no secret material
 * (client_secret and encryption_key travel sealed beside it), null never stored.
 */
export const StoredClientConfigSchema = z.strictObject({
  ...z.object(f).omit({ encryption_key: true }).partial().shape,
  name: f.name,
  is_first_party: f.is_first_party,
  oidc_conformant: f.oidc_conformant,
  sso_disabled: f.sso_disabled,
  cross_origin_authentication: f.cross_origin_authentication,
  custom_login_page_on: f.custom_login_page_on,
  is_token_endpoint_ip_header_trusted: f.is_token_endpoint_ip_header_trusted,
  require_pushed_authorization_requests: f.require_pushed_authorization_requests,
  require_proof_of_possession: f.require_proof_of_possession,
  jwt_configuration: f.jwt_configuration,
  grant_types: f.grant_types,
  callbacks: f.callbacks,
  allowed_origins: f.allowed_origins,
  web_origins: f.web_origins,
  allowed_logout_urls: f.allowed_logout_urls,
  client_aliases: f.client_aliases,
  allowed_clients: f.allowed_clients,
});
export type StoredClientConfig = z.infer<typeof StoredClientConfigSchema>;

/** The changes of a client.updated event: only changed fields, null = unset. */
export const ClientChangesSchema = clientUpdateObject.omit({ client_secret: true, encryption_key: true }).extend({
  // decideUpdate turns a PATCH's `fedcm_login: {google: null}` into unsetting the field, so state
  // never holds a null inside (the SDK's Client type has none).
  fedcm_login: f.fedcm_login.nullable().optional(),
});
export type ClientChanges = z.infer<typeof ClientChangesSchema>;

// ---- Response ----

export const ClientSchema = z
  .object({
    ...StoredClientConfigSchema.shape,
    client_id: z.string().describe('ID of this client'),
    client_secret: z.string().describe('The secret used to sign tokens for the client').optional(),
    encryption_key: f.encryption_key.optional(),
    tenant: z.string().describe('Name of the tenant this client belongs to').optional(),
    signing_keys: z
      .array(
        z.looseObject({
          cert: z.string().describe('Signing certificate in X.509 PEM').optional(),
          pkcs7: z.string().describe('Signing certificate chain in PKCS#7 PEM').optional(),
          subject: z.string().describe('Subject of the certificate, as /CN={name}').optional(),
        }),
      )
      .describe('The tenant signing certificate(s); shown only with read:client_keys')
      .optional(),
    global: z.boolean().describe('Whether this is the global client of the tenant'),
    callback_url_template: z.boolean().describe('Whether callbacks are templates'),
  })
  .describe('A client (application)');
export type Client = z.infer<typeof ClientSchema>;

/** Response shape when `fields`/`include_fields` select a subset. */
export const ClientPartialSchema = ClientSchema.partial();

/** Secret material: redacted in audit entries, hidden without read:client_keys. */
export const SECRET_FIELDS = ['client_secret', 'encryption_key', 'signing_keys'] as const;
/** Fields shown only with read:client_keys or read:client_credentials (secrets plus credentials). */
export const KEY_SCOPE_FIELDS = [...SECRET_FIELDS, 'client_authentication_methods'] as const;
/** Fields every read scope (including read:client_summary) may see. */
export const SUMMARY_FIELDS = ['client_id', 'app_type', 'name', 'description'] as const;
