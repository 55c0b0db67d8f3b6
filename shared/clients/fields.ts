import { z } from 'zod';
import { isValidUrl, type UrlFormat } from './urls.js';

// One schema per client field, without optional/nullable: the request and state shapes in
// schema.ts decide which fields are required, optional or nullable. No transforms, so every shape
// converts to JSON Schema for OpenAPI.

export const GRANT_TYPES = [
  'authorization_code',
  'implicit',
  'refresh_token',
  'client_credentials',
  'password',
  'http://auth0.com/oauth/grant-type/password-realm',
  'http://auth0.com/oauth/grant-type/passwordless/otp',
  'http://auth0.com/oauth/grant-type/mfa-oob',
  'http://auth0.com/oauth/grant-type/mfa-otp',
  'http://auth0.com/oauth/grant-type/mfa-recovery-code',
  'urn:openid:params:grant-type:ciba',
  'urn:ietf:params:oauth:grant-type:device_code',
  'urn:auth0:params:oauth:grant-type:token-exchange:federated-connection-access-token',
] as const;
export type GrantType = (typeof GRANT_TYPES)[number];

export const SSO_ADDON_APP_TYPES = [
  'rms', 'box', 'cloudbees', 'concur', 'dropbox', 'mscrm', 'echosign', 'egnyte', 'newrelic',
  'office365', 'salesforce', 'sentry', 'sharepoint', 'slack', 'springcm', 'zendesk', 'zoom',
] as const;
export const APP_TYPES = [
  'native', 'spa', 'regular_web', 'non_interactive', 'resource_server', 'express_configuration',
  'sso_integration', 'oag', ...SSO_ADDON_APP_TYPES,
] as const;
export type AppType = (typeof APP_TYPES)[number];

export const TOKEN_ENDPOINT_AUTH_METHODS = ['none', 'client_secret_post', 'client_secret_basic'] as const;
export const JWT_ALGS = ['HS256', 'RS256', 'RS512', 'PS256'] as const;
export const COMPLIANCE_LEVELS = [
  'none', 'fapi1_adv_pkj_par', 'fapi1_adv_mtls_par', 'fapi2_sp_pkj_mtls', 'fapi2_sp_mtls_mtls',
] as const;

export const CLIENT_METADATA_MAX_KEYS = 10;
// Keys: alphanumerics plus :,-+=_*?"/\()<>@, tab and space (Auth0 OAS).
const METADATA_KEY = /^[A-Za-z0-9:,\-+=_*?"/\\()<>@\t ]+$/;
// Absolute lifetime bounds from the OAS (5 years); the docs' 1-year cap is a dashboard limit.
export const REFRESH_TOKEN_MAX_LIFETIME = 157_788_000;

/** A string checked against an Auth0 URL format; the issue carries the format name for messages. */
const url = (format: UrlFormat) =>
  z.string().refine((v) => isValidUrl(v, format), { params: { format }, message: `Invalid ${format}` });

const nonEmptyStrings = () => z.array(z.string().min(1));

const enabledFlag = z.looseObject({ enabled: z.boolean().optional() });

export const RefreshTokenSchema = z
  .strictObject({
    rotation_type: z.enum(['rotating', 'non-rotating']).describe('Whether the refresh token changes on every use'),
    expiration_type: z.enum(['expiring', 'non-expiring']).describe('Whether the refresh token has an absolute or idle lifetime'),
    leeway: z.int().min(0).describe('Seconds during which a rotated refresh token can be reused').optional(),
    token_lifetime: z.int().min(1).max(REFRESH_TOKEN_MAX_LIFETIME).describe('Absolute lifetime of a refresh token in seconds').optional(),
    idle_token_lifetime: z.int().min(1).max(REFRESH_TOKEN_MAX_LIFETIME).describe('Lifetime in seconds of an unused refresh token').optional(),
    infinite_token_lifetime: z.boolean().describe('Refresh tokens have no absolute lifetime').optional(),
    infinite_idle_token_lifetime: z.boolean().describe('Refresh tokens have no idle lifetime').optional(),
    policies: z
      .array(
        z.strictObject({
          audience: z.string().min(1).max(600),
          scope: z.array(z.string().min(1).max(280)),
        }),
      )
      .describe('Audiences and scopes refresh tokens can be exchanged for')
      .optional(),
  })
  .describe('Refresh token configuration');

export const JwtConfigurationSchema = z
  .looseObject({
    lifetime_in_seconds: z.int().min(1).describe('Number of seconds the JWT is valid for (exp claim)').optional(),
    secret_encoded: z.boolean().describe('Whether the client secret is base64 encoded').optional(),
    scopes: z.record(z.string(), z.unknown()).describe('Scopes of the JWT').optional(),
    alg: z.enum(JWT_ALGS).describe('Algorithm used to sign JWTs').optional(),
  })
  .describe('Configuration of the JWTs issued for this client');

export const ClientMetadataSchema = z
  .record(
    z.string().min(1).max(255).regex(METADATA_KEY),
    z.string().max(255),
  )
  .refine((v) => Object.keys(v).length <= CLIENT_METADATA_MAX_KEYS, {
    params: { maxProperties: CLIENT_METADATA_MAX_KEYS },
    message: `At most ${CLIENT_METADATA_MAX_KEYS} metadata keys`,
  })
  .meta({ maxProperties: CLIENT_METADATA_MAX_KEYS })
  .describe('Metadata associated with the client: at most 10 keys, keys and values of at most 255 characters');

// ---- Fields from the auth0 7.1.0 SDK types and Auth0's OAS (docs-v2, 2026-06-25) ----

const atLeastOneProperty = { params: { minProperties: 1 }, message: 'At least 1 property' };
const FedCmLoginGoogleSchema = z
  .strictObject({ is_enabled: z.boolean().describe('Shows the Google FedCM prompt on New Universal Login').optional() })
  .refine((v) => Object.keys(v).length >= 1, atLeastOneProperty)
  .meta({ minProperties: 1 });
/** OAS FedCMLogin: at least one property, no others. */
export const FedCmLoginSchema = z
  .strictObject({ google: FedCmLoginGoogleSchema.optional() })
  .refine((v) => Object.keys(v).length >= 1, atLeastOneProperty)
  .meta({ minProperties: 1 })
  .describe('FedCM login settings');
/** OAS FedCMLoginPatch: `google: null` removes Google, which leaves no setting (decideUpdate unsets the field). */
export const FedCmLoginPatchSchema = z
  .strictObject({ google: FedCmLoginGoogleSchema.nullable().optional() })
  .refine((v) => Object.keys(v).length >= 1, atLeastOneProperty)
  .meta({ minProperties: 1 })
  .describe('FedCM login settings');

/** OAS PublicKeyCredential: a public key (or certificate) given inline. */
const PublicKeyCredentialSchema = z.strictObject({
  credential_type: z.enum(['public_key']),
  name: z.string().max(128).optional(),
  pem: z.string().min(1).describe('PEM public key (SPKI or PKCS1) or X.509 certificate'),
  alg: z.enum(['RS256', 'RS384', 'PS256']).optional(),
  parse_expiry_from_cert: z.boolean().optional(),
  expires_at: z.iso.datetime({ offset: true }).optional(),
  kid: z.string().regex(/^[0-9a-zA-Z_-]{10,64}$/).optional(),
});
/** OAS CredentialId: a reference to a credential of the client. */
const CredentialIdSchema = z.strictObject({ id: z.string().min(1) });

// Bounds from Auth0's recorded 400 answers (auth0/go-auth0 TestClient_TokenVaultPrivilegedAccessValidation):
// 11 allow-list entries, an empty allow list, a non-IP entry, 3 credentials, 6 grants, an empty
// grant list, 21 scopes and two grants for one connection were all refused.
const tokenVaultPrivilegedAccess = <C extends z.ZodType>(credential: C) =>
  z
    .strictObject({
      credentials: z.array(credential).max(2),
      ip_allowlist: z.array(z.union([z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6()])).min(1).max(10).describe('IPv4/IPv6 addresses or CIDR ranges').optional(),
      grants: z
        .array(z.strictObject({ connection: z.string().min(1), scopes: z.array(z.string().min(1)).min(1).max(20) }))
        .min(1)
        .max(5)
        .refine((grants) => new Set(grants.map((g) => g.connection)).size === grants.length, { message: 'Each connection may appear in one grant only' })
        .optional(),
    })
    .describe('Token Vault privileged access');
/** Create takes public keys (OAS ClientTokenVaultPrivilegedAccessWithPublicKey)… */
export const TokenVaultPrivilegedAccessCreateSchema = tokenVaultPrivilegedAccess(PublicKeyCredentialSchema);
/** …PATCH takes credential ids (…WithCredentialId). */
export const TokenVaultPrivilegedAccessUpdateSchema = tokenVaultPrivilegedAccess(CredentialIdSchema);

/** OAS ExpressConfiguration (Okta OIN express configuration). */
export const ExpressConfigurationSchema = z
  .strictObject({
    initiate_login_uri_template: z.string().min(1).describe('URI users bookmark to log in; may use {organization_name}, {organization_id}, {connection_name}'),
    user_attribute_profile_id: z.string().min(1),
    connection_profile_id: z.string().min(1),
    enable_client: z.boolean(),
    enable_organization: z.boolean(),
    linked_clients: z.array(z.strictObject({ client_id: z.string().min(1) })).optional(),
    okta_oin_client_id: z.string().min(1),
    admin_login_domain: z.string().min(1),
    oin_submission_id: z.string().min(1).max(200).optional(),
  })
  .describe('Express configuration for the Okta Integration Network');

const activeFlag = (what: string) => z.strictObject({ active: z.boolean().describe(what) });

/** Every configurable client field. Optionality and nullability are decided in schema.ts. */
export const clientFields = {
  name: z.string().min(1).regex(/^[^<>]+$/).describe("The name of the client. Must contain at least one character. Does not allow '<' or '>'."),
  description: z.string().max(140).describe('Description of this client (max character length: 140)'),
  logo_uri: url('absolute-uri-or-empty').describe('The URL of the client logo (recommended size: 150x150)'),
  callbacks: z.array(url('callback-url')).describe('URLs Auth0 may call back to after authentication'),
  allowed_origins: z.array(url('url-with-placeholders')).describe('Allowed origins for CORS'),
  web_origins: z.array(url('url-with-placeholders')).describe('Allowed origins for the web_message response mode'),
  allowed_logout_urls: z.array(url('url-with-placeholders')).describe('URLs that are valid to redirect to after logout'),
  client_aliases: nonEmptyStrings().describe('Audiences for the SAML protocol'),
  allowed_clients: nonEmptyStrings().describe('Ids of clients allowed to make delegation requests'),
  grant_types: z.array(z.enum(GRANT_TYPES)).describe('Grant types this client is authorized to use'),
  app_type: z.enum(APP_TYPES).describe('The type of application this client represents'),
  token_endpoint_auth_method: z.enum(TOKEN_ENDPOINT_AUTH_METHODS).describe('Authentication method at the token endpoint'),
  is_first_party: z.boolean().describe('Whether this client is a first party client'),
  oidc_conformant: z.boolean().describe('Whether this client conforms to strict OIDC specifications'),
  jwt_configuration: JwtConfigurationSchema,
  refresh_token: RefreshTokenSchema,
  client_metadata: ClientMetadataSchema,
  initiate_login_uri: url('absolute-https-uri-with-placeholders-or-empty').describe('Initiate login uri, must be https'),
  organization_usage: z.enum(['deny', 'allow', 'require']).describe('Whether users log in through an organization'),
  organization_require_behavior: z
    .enum(['no_prompt', 'pre_login_prompt', 'post_login_prompt'])
    .describe('How to proceed when organization_usage is require and no organization is given'),
  organization_discovery_methods: z
    .array(z.enum(['email', 'organization_name']))
    .min(1)
    .describe('How users discover their organization during the pre_login_prompt'),
  default_organization: z
    .strictObject({
      organization_id: z.string().min(1),
      flows: z.array(z.enum(['client_credentials'])).min(1),
    })
    .describe('Organization used when a flow gives none'),
  sso: z.boolean().describe('Use Auth0 instead of the IdP to do Single Sign On'),
  sso_disabled: z.boolean().describe('Disable Single Sign On'),
  cross_origin_authentication: z.boolean().describe('Whether the client may make cross-origin authentication requests'),
  cross_origin_loc: url('absolute-uri').describe('URL of the page that performs cross-origin verification'),
  custom_login_page_on: z.boolean().describe('Whether the custom login page is used'),
  custom_login_page: z.string().describe('Content (HTML, CSS, JS) of the custom login page'),
  custom_login_page_preview: z.string().describe('Content of the custom login page preview'),
  form_template: z.string().describe('Form template for the WS-Federation protocol'),
  addons: z.record(z.string(), z.record(z.string(), z.unknown())).describe('Add-on settings, keyed by add-on'),
  mobile: z
    .looseObject({
      android: z.looseObject({
        app_package_name: z.string().optional(),
        sha256_cert_fingerprints: z.array(z.string()).optional(),
      }).optional(),
      ios: z.looseObject({
        team_id: z.string().optional(),
        app_bundle_identifier: z.string().optional(),
      }).optional(),
    })
    .describe('Mobile app settings'),
  native_social_login: z
    .looseObject({ apple: enabledFlag.optional(), facebook: enabledFlag.optional(), google: enabledFlag.optional() })
    .describe('Native social login settings'),
  require_pushed_authorization_requests: z.boolean().describe('Makes the use of Pushed Authorization Requests mandatory'),
  require_proof_of_possession: z.boolean().describe('Makes the use of Proof-of-Possession mandatory'),
  par_request_expiry: z.int().min(10).max(600).describe('How long, in seconds, a Pushed Authorization Request URI remains valid'),
  is_token_endpoint_ip_header_trusted: z.boolean().describe('Trust the client IP header sent to the token endpoint'),
  encryption_key: z
    .looseObject({ pub: z.string().optional(), cert: z.string().optional(), subject: z.string().optional() })
    .describe('Key used to encrypt WS-Federation responses'),
  oidc_logout: z
    .looseObject({
      backchannel_logout_urls: z.array(url('absolute-https-uri')).max(1).optional(),
      backchannel_logout_initiators: z.looseObject({
        mode: z.enum(['custom', 'all']).optional(),
        selected_initiators: z.array(z.string()).optional(),
      }).optional(),
    })
    .describe('OIDC back-channel logout configuration'),
  oidc_backchannel_logout: z
    .looseObject({ backchannel_logout_urls: z.array(url('absolute-https-uri')).max(1).optional() })
    .describe('Deprecated: use oidc_logout'),
  session_transfer: z.looseObject({}).describe('Native to web session transfer settings'),
  token_quota: z
    .looseObject({
      client_credentials: z.looseObject({
        enforce: z.boolean().optional(),
        per_day: z.int().min(1).optional(),
        per_hour: z.int().min(1).optional(),
      }).optional(),
    })
    .describe('Token quota for the client_credentials grant'),
  token_exchange: z
    .looseObject({ allow_any_profile_of_type: z.array(z.enum(['custom_authentication'])).optional() })
    .describe('Token exchange settings'),
  client_authentication_methods: z
    .looseObject({
      private_key_jwt: z.looseObject({ credentials: z.array(z.looseObject({})).optional() }).optional(),
      tls_client_auth: z.looseObject({}).optional(),
      self_signed_tls_client_auth: z.looseObject({}).optional(),
    })
    .describe('Credential-based client authentication (private_key_jwt, mTLS); excludes token_endpoint_auth_method'),
  signed_request_object: z
    .looseObject({ required: z.boolean().optional(), credentials: z.array(z.looseObject({})).optional() })
    .describe('JWT-secured authorization request settings'),
  compliance_level: z.enum(COMPLIANCE_LEVELS).describe('Financial-grade API compliance level'),
  my_organization_configuration: z.looseObject({}).describe('My Organization settings'),
  resource_server_identifier: z.string().min(1).max(600).describe('Identifier of the resource server this client is linked to (create only)'),
  third_party_security_mode: z.enum(['strict', 'permissive']).describe('Security controls for a third-party client (create only)'),
  redirection_policy: z.enum(['allow_always', 'open_redirect_protection']).describe('Whether Auth0 may redirect to this client'),
  fedcm_login: FedCmLoginSchema,
  // State holds what create or PATCH gave: public keys from a create, ids from a PATCH (README: deviations).
  token_vault_privileged_access: tokenVaultPrivilegedAccess(z.union([PublicKeyCredentialSchema, CredentialIdSchema])),
  skip_non_verifiable_callback_uri_confirmation_prompt: z
    .boolean()
    .describe('true: no confirmation prompt when the redirect URI cannot be verified (custom scheme, localhost)'),
  express_configuration: ExpressConfigurationSchema,
  async_approval_notification_channels: z
    .array(z.enum(['guardian-push', 'email']))
    .min(1)
    .describe('Channels for asynchronous approval notifications'),
  identity_assertion_authorization_grant: activeFlag('The client may exchange ID-JAGs for access tokens'),
  anonymous_sessions: activeFlag('The client may create anonymous sessions'),
  b2b_integration_configuration: z
    .strictObject({
      sso_profiles: z.array(z.string().min(1)).max(1).describe('SSO profile ids linked to this B2B integration client (at most 1)').optional(),
      integration_type: z.enum(['custom_auth_server', 'third_party', 'application']).optional(),
    })
    .describe('B2B integration settings'),
};

export type ClientFieldName = keyof typeof clientFields;
