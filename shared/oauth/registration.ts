import { z } from 'zod';
import { ClientCreateSchema, ClientUpdateSchema, type ClientCreate, type ClientState, type ClientUpdate } from '../clients/index.js';
import { fromZodError } from '../errors/auth0-error.js';
import { OAuthError } from './errors.js';

/**
 * Client metadata of a dynamic registration request (RFC 7591 §2, Auth0's /oidc/register). Other
 * members are ignored, as RFC 7591 asks of unknown metadata.
 */
export const RegistrationRequestSchema = z.looseObject({
  client_name: z.string().optional(),
  redirect_uris: z.array(z.string()).optional(),
  token_endpoint_auth_method: z.enum(['none', 'client_secret_post', 'client_secret_basic']).optional(),
  grant_types: z.array(z.string()).optional(),
  response_types: z.array(z.string()).optional(),
  logo_uri: z.string().optional(),
});
export type RegistrationRequest = z.infer<typeof RegistrationRequestSchema>;

/** What a third-party (strict) client may use; client_credentials beyond Auth0, so a registered service can get tokens. */
const REGISTRABLE_GRANTS = new Set(['authorization_code', 'refresh_token', 'client_credentials']);

export const invalidMetadata = (description: string) => new OAuthError(400, 'invalid_client_metadata', description);

/** The request, parsed, or RFC 7591's invalid_client_metadata / invalid_redirect_uri. */
export function parseRegistration(body: unknown): RegistrationRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidMetadata('The body must be a JSON object of client metadata');
  const parsed = RegistrationRequestSchema.safeParse(body);
  if (!parsed.success) throw metadataError(parsed.error);
  const reg = parsed.data;
  const bad = (reg.grant_types ?? []).filter((g) => !REGISTRABLE_GRANTS.has(g));
  if (bad.length > 0) throw invalidMetadata(`grant_types may contain only authorization_code, refresh_token and client_credentials, not: ${bad.join(', ')}`);
  const grants = reg.grant_types ?? ['authorization_code'];
  if (grants.some((g) => g !== 'client_credentials') && (reg.redirect_uris ?? []).length === 0) {
    throw new OAuthError(400, 'invalid_redirect_uri', 'redirect_uris is required for the authorization_code grant');
  }
  return reg;
}

function metadataError(err: z.ZodError): OAuthError {
  const described = fromZodError(err, 'body');
  const field = String(err.issues[0]?.path[0] ?? '');
  return field === 'redirect_uris' || field === 'callbacks' ? new OAuthError(400, 'invalid_redirect_uri', described.message) : invalidMetadata(described.message);
}

/**
 * The POST /api/v2/clients body a registration stands for, validated by the same schema: a
 * third-party client in strict mode (as Auth0 registers them), a machine-to-machine app when it
 * asks for client credentials only.
 */
export function toClientCreate(reg: RegistrationRequest): ClientCreate {
  const grants = reg.grant_types ?? ['authorization_code'];
  const candidate = {
    name: reg.client_name ?? 'Dynamically registered client',
    callbacks: reg.redirect_uris ?? [],
    grant_types: grants,
    token_endpoint_auth_method: reg.token_endpoint_auth_method ?? 'client_secret_post',
    app_type: grants.every((g) => g === 'client_credentials') ? 'non_interactive' : 'regular_web',
    is_first_party: false,
    third_party_security_mode: 'strict',
    ...(reg.logo_uri === undefined ? {} : { logo_uri: reg.logo_uri }),
  };
  const parsed = ClientCreateSchema.safeParse(candidate);
  if (!parsed.success) throw metadataError(parsed.error);
  return parsed.data;
}

/** RFC 7592 §2.2: the metadata given replaces the registered values of those fields. */
export function toClientUpdate(reg: RegistrationRequest): ClientUpdate {
  const candidate = {
    ...(reg.client_name === undefined ? {} : { name: reg.client_name }),
    ...(reg.redirect_uris === undefined ? {} : { callbacks: reg.redirect_uris }),
    ...(reg.grant_types === undefined ? {} : { grant_types: reg.grant_types }),
    ...(reg.token_endpoint_auth_method === undefined ? {} : { token_endpoint_auth_method: reg.token_endpoint_auth_method }),
    ...(reg.logo_uri === undefined ? {} : { logo_uri: reg.logo_uri }),
  };
  const parsed = ClientUpdateSchema.safeParse(candidate);
  if (!parsed.success) throw metadataError(parsed.error);
  return parsed.data;
}

/** The registration as RFC 7591 §3.2.1 / RFC 7592 §3 answer it. */
export function registrationAnswer(state: ClientState, opts: { secret: string; registrationAccessToken: string; registrationClientUri: string }) {
  const c = state.config;
  const method = c.token_endpoint_auth_method ?? 'client_secret_post';
  const grants = c.grant_types ?? [];
  return {
    client_id: state.client_id,
    ...(method === 'none' ? {} : { client_secret: opts.secret, client_secret_expires_at: 0 }),
    client_id_issued_at: Math.floor(Date.parse(state.created_at) / 1000),
    client_name: c.name,
    redirect_uris: c.callbacks ?? [],
    token_endpoint_auth_method: method,
    grant_types: grants,
    response_types: grants.includes('authorization_code') ? ['code'] : [],
    ...(c.logo_uri ? { logo_uri: c.logo_uri } : {}),
    registration_access_token: opts.registrationAccessToken,
    registration_client_uri: opts.registrationClientUri,
  };
}
