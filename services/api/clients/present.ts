import { pickFields, SUMMARY_FIELDS, toClientResponse, type Client, type ClientState, type SigningKey } from '../../../shared/clients/index.js';
import type { SecretBox } from '../../../shared/crypto/secret-box.js';
import type { Principal } from '../../../shared/auth/index.js';

const KEY_READERS = ['read:client_keys', 'read:client_credentials'];
const CONFIG_READERS = ['read:clients', ...KEY_READERS];

/** What a reader may see, by Auth0's rules: secrets need a keys scope; read:client_summary alone gets the summary. */
export function readView(principal: Principal): { secrets: boolean; summaryOnly: boolean } {
  return {
    secrets: KEY_READERS.some((s) => principal.scopes.has(s)),
    summaryOnly: !CONFIG_READERS.some((s) => principal.scopes.has(s)),
  };
}

/** What every client of this tenant shows: Auth0's `tenant` and `signing_keys`. */
export interface TenantView {
  name: string;
  signingKeys: readonly SigningKey[];
}

export interface PresentOptions {
  tenant?: TenantView | undefined;
  secrets: boolean;
  summaryOnly?: boolean;
  fields?: string[] | undefined;
  includeFields?: boolean | undefined;
}

export function presentClient(state: ClientState, box: SecretBox, opts: PresentOptions): Partial<Client> {
  let client: Partial<Client> = toClientResponse(state, {
    showSecrets: opts.secrets,
    openSecret: (sealed) => box.open(sealed),
    ...(opts.tenant === undefined ? {} : { tenant: opts.tenant.name, signingKeys: opts.tenant.signingKeys }),
  });
  if (opts.summaryOnly) client = pickFields(client, SUMMARY_FIELDS, true);
  if (opts.fields && opts.fields.length > 0) client = pickFields(client, opts.fields, opts.includeFields ?? true);
  return client;
}
