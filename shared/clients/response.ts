import { clientFields } from './fields.js';
import type { ClientState } from './fold.js';
import type { Client } from './schema.js';

export interface ResponseOptions {
  /** True when the caller holds read:client_keys (or read:client_credentials). */
  showSecrets: boolean;
  openSecret: (sealed: string) => string;
  /** The tenant name (Auth0 `tenant`). */
  tenant?: string;
  /** The tenant's signing certificates (Auth0 `signing_keys`), shown with the secrets. */
  signingKeys?: readonly SigningKey[];
}

export type SigningKey = NonNullable<Client['signing_keys']>[number];

/** The Auth0 `Client` JSON of a state; secrets and credentials only with showSecrets. */
export function toClientResponse(state: ClientState, { showSecrets, openSecret, tenant, signingKeys }: ResponseOptions): Client {
  const { client_authentication_methods, ...config } = state.config;
  const client: Client = {
    client_id: state.client_id,
    ...(tenant === undefined ? {} : { tenant }),
    global: false,
    callback_url_template: false,
    ...config,
  };
  if (!showSecrets) return client;
  client.client_secret = openSecret(state.client_secret_sealed);
  if (state.encryption_key_sealed !== undefined) {
    client.encryption_key = clientFields.encryption_key.parse(JSON.parse(openSecret(state.encryption_key_sealed)));
  }
  if (client_authentication_methods !== undefined) client.client_authentication_methods = client_authentication_methods;
  if (signingKeys !== undefined) client.signing_keys = signingKeys.map((k) => ({ ...k }));
  return client;
}

/**
 * Auth0's `fields` + `include_fields`: keep only the listed fields (include) or drop them.
 * Unknown names are ignored, as Auth0 does.
 */
export function pickFields<T extends object>(obj: T, fields: readonly string[], include: boolean): Partial<T> {
  const wanted = new Set(fields);
  return Object.fromEntries(Object.entries(obj).filter(([key]) => wanted.has(key) === include)) as Partial<T>;
}
