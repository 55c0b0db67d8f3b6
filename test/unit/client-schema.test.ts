import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import {
  ClientChangesSchema, ClientCreateSchema, ClientEventDataSchemas, ClientEventSchema, ClientPartialSchema,
  ClientSchema, ClientStateSchema, ClientUpdateSchema, StoredClientConfigSchema,
} from '../../shared/clients/index.js';
import { fromZodError, type ValidationTarget } from '../../shared/errors/auth0-error.js';

/** Parses like the API should (reportInput, schema for descriptions) and returns the Auth0 body. */
function errorBody(schema: z.ZodType, body: unknown, where: ValidationTarget = 'body') {
  const result = schema.safeParse(body, { reportInput: true });
  assert.ok(!result.success, `expected ${JSON.stringify(body)} to be rejected`);
  return fromZodError(result.error, { where, schema }).toJSON();
}

const metadata = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`key${i}`, 'value']));

interface InvalidCase {
  rule: string;
  body: Record<string, unknown>;
  schema?: 'create' | 'update';
  /** An exact message, or a pattern the message must match. */
  message: string | RegExp;
}

const INVALID: InvalidCase[] = [
  { rule: 'name is required', body: {}, message: "Payload validation error: 'Missing required property: name'." },
  { rule: 'name is not empty', body: { name: '' }, message: /^Payload validation error: 'String is too short \(0 chars\), minimum 1' on property name \(/ },
  { rule: 'name has no < or >', body: { name: 'My <App>' }, message: /'String does not match pattern \^\[\^<>\]\+\$: My <App>' on property name/ },
  { rule: 'name is a string', body: { name: 42 }, message: /'Expected type string but found type integer' on property name/ },
  {
    rule: 'description is at most 140 characters',
    body: { name: 'a', description: 'd'.repeat(141) },
    message: "Payload validation error: 'String is too long (141 chars), maximum 140' on property description (Description of this client (max character length: 140)).",
  },
  { rule: 'callbacks are absolute URLs', body: { name: 'a', callbacks: ['https://ok.example.com', 'not a url'] }, message: /'Object didn't pass validation for format callback-url: not a url' on property callbacks\[1\] \(/ },
  { rule: 'callbacks wildcard only as first label', body: { name: 'a', callbacks: ['https://app.*.example.com/cb'] }, message: /format callback-url: .* on property callbacks\[0\]/ },
  { rule: 'callbacks http URLs need a host', body: { name: 'a', callbacks: ['https://'] }, message: /format callback-url: https:\/\/' on property callbacks\[0\]/ },
  { rule: 'allowed_logout_urls are absolute', body: { name: 'a', allowed_logout_urls: ['/logout'] }, message: /format url-with-placeholders: \/logout' on property allowed_logout_urls\[0\]/ },
  { rule: 'web_origins only know Auth0 placeholders', body: { name: 'a', web_origins: ['https://{tenant}.example.com'] }, message: /format url-with-placeholders: .* on property web_origins\[0\]/ },
  { rule: 'allowed_origins are URLs', body: { name: 'a', allowed_origins: ['example.com'] }, message: /on property allowed_origins\[0\]/ },
  {
    rule: 'initiate_login_uri must be https',
    body: { name: 'a', initiate_login_uri: 'http://localhost:3000/login' },
    message: "Payload validation error: 'Object didn't pass validation for format absolute-https-uri-with-placeholders-or-empty: http://localhost:3000/login' on property initiate_login_uri (Initiate login uri, must be https).",
  },
  { rule: 'logo_uri is absolute or empty', body: { name: 'a', logo_uri: 'logo.png' }, message: /format absolute-uri-or-empty: logo.png' on property logo_uri/ },
  { rule: 'cross_origin_loc is a URL', body: { name: 'a', cross_origin_loc: 'nope' }, message: /on property cross_origin_loc/ },
  { rule: 'unknown fields are rejected', body: { name: 'a', foo: 1 }, message: "Payload validation error: 'Additional properties not allowed: foo'." },
  { rule: 'client_secret is not accepted on create', body: { name: 'a', client_secret: 'x' }, message: "Payload validation error: 'Additional properties not allowed: client_secret'." },
  { rule: 'refresh_token is strict', body: { name: 'a', refresh_token: { rotation_type: 'non-rotating', expiration_type: 'non-expiring', bar: 1 } }, message: /'Additional properties not allowed: bar' on property refresh_token \(Refresh token configuration\)\.$/ },
  { rule: 'grant_types are Auth0 grant types', body: { name: 'a', grant_types: ['authorization_code', 'bogus'] }, message: /'No enum match for: "bogus"' on property grant_types\[1\]/ },
  { rule: 'app_type is an Auth0 app type', body: { name: 'a', app_type: 'desktop' }, message: /'No enum match for: "desktop"' on property app_type/ },
  { rule: 'token_endpoint_auth_method is none or a client secret method', body: { name: 'a', token_endpoint_auth_method: 'private_key_jwt' }, message: /No enum match for: "private_key_jwt"' on property token_endpoint_auth_method/ },
  { rule: 'jwt_configuration.alg is HS256, RS256, RS512 or PS256', body: { name: 'a', jwt_configuration: { alg: 'none' } }, message: /'No enum match for: "none"' on property jwt_configuration.alg/ },
  { rule: 'jwt_configuration.lifetime_in_seconds is an integer', body: { name: 'a', jwt_configuration: { lifetime_in_seconds: 1.5 } }, message: /'Expected type integer but found type number' on property jwt_configuration.lifetime_in_seconds/ },
  { rule: 'client_metadata has at most 10 keys', body: { name: 'a', client_metadata: metadata(11) }, message: /'Too many properties defined \(11\), maximum 10' on property client_metadata \(/ },
  { rule: 'client_metadata values are at most 255 characters', body: { name: 'a', client_metadata: { key: 'v'.repeat(256) } }, message: /'String is too long \(256 chars\), maximum 255' on property client_metadata.key/ },
  { rule: 'client_metadata values are strings', body: { name: 'a', client_metadata: { key: 1 } }, message: /'Expected type string but found type integer' on property client_metadata.key/ },
  { rule: 'client_metadata keys use the allowed characters', body: { name: 'a', client_metadata: { 'bad!key': 'v' } }, message: /'Invalid property name bad!key: String does not match pattern .*' on property client_metadata/ },
  { rule: 'client_metadata keys are at most 255 characters', body: { name: 'a', client_metadata: { ['k'.repeat(256)]: 'v' } }, message: /Invalid property name k+: String is too long \(256 chars\), maximum 255' on property client_metadata/ },
  {
    rule: 'rotating refresh tokens must expire',
    body: { name: 'a', refresh_token: { rotation_type: 'rotating', expiration_type: 'non-expiring' } },
    message: "refresh_token.expiration_type must be 'expiring' when refresh_token.rotation_type is 'rotating'",
  },
  { rule: 'refresh_token.expiration_type is required', body: { name: 'a', refresh_token: { rotation_type: 'rotating' } }, message: /'Missing required property: expiration_type' on property refresh_token \(/ },
  { rule: 'refresh_token.token_lifetime is at least 1', body: { name: 'a', refresh_token: { rotation_type: 'non-rotating', expiration_type: 'expiring', token_lifetime: 0 } }, message: /'Value 0 is less than minimum 1' on property refresh_token.token_lifetime/ },
  { rule: 'refresh_token.token_lifetime is at most 157788000', body: { name: 'a', refresh_token: { rotation_type: 'non-rotating', expiration_type: 'expiring', token_lifetime: 157_788_001 } }, message: /'Value 157788001 is greater than maximum 157788000' on property refresh_token.token_lifetime/ },
  { rule: 'refresh_token.leeway is not negative', body: { name: 'a', refresh_token: { rotation_type: 'rotating', expiration_type: 'expiring', leeway: -1 } }, message: /on property refresh_token.leeway/ },
  {
    rule: 'refresh_token idle lifetime within the absolute lifetime',
    body: { name: 'a', refresh_token: { rotation_type: 'rotating', expiration_type: 'expiring', token_lifetime: 3600, idle_token_lifetime: 7200 } },
    message: 'refresh_token.idle_token_lifetime (7200) must not exceed refresh_token.token_lifetime (3600)',
  },
  { rule: 'refresh_token.policies audience is not empty', body: { name: 'a', refresh_token: { rotation_type: 'non-rotating', expiration_type: 'non-expiring', policies: [{ audience: '', scope: [] }] } }, message: /on property refresh_token.policies\[0\].audience/ },
  { rule: 'par_request_expiry is at least 10', body: { name: 'a', par_request_expiry: 5 }, message: /'Value 5 is less than minimum 10' on property par_request_expiry \(/ },
  { rule: 'par_request_expiry is at most 600', body: { name: 'a', par_request_expiry: 601 }, message: /'Value 601 is greater than maximum 600' on property par_request_expiry/ },
  { rule: 'post_login_prompt needs oidc_conformant', body: { name: 'a', organization_usage: 'require', organization_require_behavior: 'post_login_prompt' }, message: "organization_require_behavior 'post_login_prompt' requires oidc_conformant to be true" },
  { rule: 'third-party clients cannot use organizations', body: { name: 'a', is_first_party: false, organization_usage: 'allow' }, message: 'is_first_party can be false only when organization_usage is unset' },
  {
    rule: 'client_authentication_methods excludes token_endpoint_auth_method',
    body: { name: 'a', token_endpoint_auth_method: 'client_secret_post', client_authentication_methods: { private_key_jwt: { credentials: [] } } },
    message: 'client_authentication_methods and token_endpoint_auth_method are mutually exclusive; set token_endpoint_auth_method to null',
  },
  { rule: 'client_authentication_methods needs RS256', body: { name: 'a', jwt_configuration: { alg: 'HS256' }, client_authentication_methods: { private_key_jwt: { credentials: [] } } }, message: 'jwt_configuration.alg must be RS256 when client_authentication_methods is set' },
  { rule: 'trusted IP header needs a confidential client', body: { name: 'a', is_token_endpoint_ip_header_trusted: true, token_endpoint_auth_method: 'none' }, message: /^is_token_endpoint_ip_header_trusted requires a confidential client/ },
  { rule: 'third_party_security_mode only for third-party clients', body: { name: 'a', third_party_security_mode: 'strict' }, message: 'third_party_security_mode can be set only when is_first_party is false' },
  { rule: 'strict third-party grants', body: { name: 'a', is_first_party: false, third_party_security_mode: 'strict', grant_types: ['authorization_code', 'implicit'] }, message: /^grant_types of a strict third-party client .* not: implicit$/ },
  { rule: 'strict third-party alg', body: { name: 'a', is_first_party: false, third_party_security_mode: 'strict', jwt_configuration: { alg: 'HS256' } }, message: 'jwt_configuration.alg of a strict third-party client must be RS256' },
  { rule: 'organization_discovery_methods has at least one item', body: { name: 'a', organization_discovery_methods: [] }, message: /'Array is too short \(0\), minimum 1' on property organization_discovery_methods/ },
  { rule: 'client_aliases items are not empty', body: { name: 'a', client_aliases: [''] }, message: /'String is too short \(0 chars\), minimum 1' on property client_aliases\[0\]/ },
  { rule: 'default_organization flows are client_credentials', body: { name: 'a', default_organization: { organization_id: 'org_1', flows: ['password'] } }, message: /on property default_organization.flows\[0\]/ },
  { rule: 'back-channel logout URLs are https', body: { name: 'a', oidc_logout: { backchannel_logout_urls: ['http://example.com/logout'] } }, message: /format absolute-https-uri: http:\/\/example.com\/logout' on property oidc_logout.backchannel_logout_urls\[0\]/ },
  { rule: 'compliance_level is a known level', body: { name: 'a', compliance_level: 'fapi3' }, message: /No enum match for: "fapi3"' on property compliance_level/ },
  { rule: 'update: resource_server_identifier is create-only', schema: 'update', body: { resource_server_identifier: 'https://api' }, message: "Payload validation error: 'Additional properties not allowed: resource_server_identifier'." },
  { rule: 'update: client_secret is not empty', schema: 'update', body: { client_secret: '' }, message: /'String is too short \(0 chars\), minimum 1' on property client_secret/ },
  { rule: 'update: name cannot be null', schema: 'update', body: { name: null }, message: /'Expected type string but found type null' on property name/ },
  { rule: 'update: is_first_party false with organization_usage', schema: 'update', body: { is_first_party: false, organization_usage: 'allow' }, message: 'is_first_party can be false only when organization_usage is unset' },
  { rule: 'update: rotating refresh tokens must expire', schema: 'update', body: { refresh_token: { rotation_type: 'rotating', expiration_type: 'non-expiring' } }, message: "refresh_token.expiration_type must be 'expiring' when refresh_token.rotation_type is 'rotating'" },
];

describe('client body validation answers with Auth0 errors', () => {
  for (const c of INVALID) {
    it(`rejects: ${c.rule}`, () => {
      const body = errorBody(c.schema === 'update' ? ClientUpdateSchema : ClientCreateSchema, c.body);
      assert.equal(body.statusCode, 400);
      assert.equal(body.error, 'Bad Request');
      assert.equal(body.errorCode, 'invalid_body');
      if (typeof c.message === 'string') assert.equal(body.message, c.message);
      else assert.match(body.message, c.message);
    });
  }

  it('names the property even without reportInput or the schema (the plain validator path)', () => {
    const result = ClientCreateSchema.safeParse({ name: 'a', description: 'd'.repeat(141) });
    assert.ok(!result.success);
    assert.equal(fromZodError(result.error, 'body').message, "Payload validation error: 'String is too long, maximum 140' on property description.");
    const missing = ClientCreateSchema.safeParse({});
    assert.ok(!missing.success);
    assert.equal(fromZodError(missing.error).message, "Payload validation error: 'Missing required property: name'.");
  });

  it('uses the query and path error codes', () => {
    const query = z.strictObject({ per_page: z.int().max(100).describe('Number of results per page') });
    assert.deepEqual(errorBody(query, { per_page: 101 }, 'query'), {
      statusCode: 400,
      error: 'Bad Request',
      message: "Query validation error: 'Value 101 is greater than maximum 100' on property per_page (Number of results per page).",
      errorCode: 'invalid_query_string',
    });
    const path = z.strictObject({ id: z.string().regex(/^[A-Za-z0-9]+$/) });
    const body = errorBody(path, { id: 'a-b' }, 'path');
    assert.equal(body.errorCode, 'invalid_uri');
    assert.match(body.message, /^Path validation error: 'String does not match pattern .*' on property id\.$/);
  });
});

describe('valid client bodies', () => {
  const VALID: { what: string; schema?: 'create' | 'update'; body: Record<string, unknown> }[] = [
    { what: 'the minimal body', body: { name: 'My App' } },
    {
      what: "the seed's create request",
      body: { name: 'Sample Client', description: 'A sample client created by an API call', callbacks: ['https://ed-6532034605875200.educative.run/callback'], grant_types: ['client_credentials'], app_type: 'non_interactive' },
    },
    {
      what: 'URLs with placeholders, wildcards, custom schemes and localhost',
      body: {
        name: 'URLs',
        callbacks: ['https://*.example.com/callback', 'https://{organization_name}.example.com/cb', 'https://app.example.com/{organization.metadata.region}/cb', 'com.example.app://callback', 'http://localhost:3000/callback'],
        allowed_origins: ['https://*.example.com', 'http://localhost:3000'],
        web_origins: ['https://{custom_domain.metadata.brand}.example.com'],
        allowed_logout_urls: ['https://example.com/bye?x=1#top'],
        initiate_login_uri: 'https://{organization_name}.example.com/login',
        logo_uri: '',
        cross_origin_loc: 'https://example.com/cross-origin',
      },
    },
    { what: 'an empty initiate_login_uri', body: { name: 'a', initiate_login_uri: '' } },
    {
      what: 'a full configuration',
      body: {
        name: 'Full', description: 'd'.repeat(140), app_type: 'regular_web', oidc_conformant: true, is_first_party: true,
        grant_types: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
        token_endpoint_auth_method: 'client_secret_basic',
        jwt_configuration: { alg: 'RS256', lifetime_in_seconds: 3600, secret_encoded: false, scopes: {}, extra: true },
        refresh_token: { rotation_type: 'rotating', expiration_type: 'expiring', leeway: 10, token_lifetime: 2_592_000, idle_token_lifetime: 1_296_000, policies: [{ audience: 'https://api', scope: ['read'] }] },
        client_metadata: { ...metadata(9), 'tab\tand space<>@()/\\"?*_=+-,:': 'x'.repeat(255) },
        organization_usage: 'require', organization_require_behavior: 'post_login_prompt', organization_discovery_methods: ['email'],
        default_organization: { organization_id: 'org_123', flows: ['client_credentials'] },
        addons: { slack: { team: 'x' } }, mobile: { ios: { team_id: 'T', app_bundle_identifier: 'com.x' } },
        native_social_login: { apple: { enabled: true } }, par_request_expiry: 600, require_pushed_authorization_requests: true,
        oidc_logout: { backchannel_logout_urls: ['https://example.com/bcl'] }, compliance_level: null, redirection_policy: 'allow_always',
        token_exchange: { allow_any_profile_of_type: ['custom_authentication'] }, sso: true, sso_disabled: false,
        custom_login_page_on: true, custom_login_page: '<html></html>', form_template: '', client_aliases: ['urn:x'], allowed_clients: ['abc'],
        resource_server_identifier: 'https://api.example.com',
      },
    },
    { what: 'a strict third-party client', body: { name: '3p', is_first_party: false, third_party_security_mode: 'strict', app_type: 'spa', grant_types: ['authorization_code', 'refresh_token'] } },
    { what: 'a credential-authenticated client', body: { name: 'pkjwt', client_authentication_methods: { private_key_jwt: { credentials: [{ id: 'cred_1' }] } } } },
    { what: 'a PATCH unsetting nullable fields and setting a secret', schema: 'update', body: { token_endpoint_auth_method: null, refresh_token: null, default_organization: null, par_request_expiry: null, client_secret: 'new-secret' } },
    { what: 'a PATCH making a client third-party and unsetting organizations', schema: 'update', body: { is_first_party: false, organization_usage: null, organization_require_behavior: null } },
    { what: 'an empty PATCH', schema: 'update', body: {} },
  ];
  for (const v of VALID) {
    it(`accepts ${v.what}`, () => {
      const schema = v.schema === 'update' ? ClientUpdateSchema : ClientCreateSchema;
      const result = schema.safeParse(v.body);
      assert.ok(result.success, result.success ? '' : fromZodError(result.error, { schema }).message);
      assert.deepEqual(result.data, v.body, 'valid bodies are returned unchanged (no transforms)');
    });
  }
});

describe('JSON Schema conversion for OpenAPI', () => {
  const schemas: Record<string, z.ZodType> = {
    ClientCreateSchema, ClientUpdateSchema, ClientSchema, ClientPartialSchema, StoredClientConfigSchema,
    ClientChangesSchema, ClientEventSchema, ClientStateSchema,
    ...Object.fromEntries(Object.entries(ClientEventDataSchemas).map(([type, s]) => [`data of ${type}`, s])),
  };
  for (const [name, schema] of Object.entries(schemas)) {
    it(`converts ${name}`, () => {
      for (const io of ['input', 'output'] as const) {
        const json = z.toJSONSchema(schema, { io });
        assert.equal(typeof json, 'object');
      }
    });
  }

  it('keeps the limits and descriptions in the create body schema', () => {
    const json = z.toJSONSchema(ClientCreateSchema, { io: 'input' }) as {
      required: string[];
      additionalProperties: boolean;
      properties: Record<string, { maxLength?: number; description?: string; maxProperties?: number; anyOf?: unknown[] }>;
    };
    assert.deepEqual(json.required, ['name']);
    assert.equal(json.additionalProperties, false);
    assert.equal(json.properties['description']?.maxLength, 140);
    assert.equal(json.properties['description']?.description, 'Description of this client (max character length: 140)');
    assert.equal(json.properties['client_metadata']?.maxProperties, 10);
  });
});
