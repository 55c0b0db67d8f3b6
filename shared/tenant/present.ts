import type { StateOf } from './fold.js';
import type { ResourceServerResponse } from './schema.js';

/** Auth0's resource server object; apptrail has one lifetime for every kind of client. */
export function presentResourceServer(state: Pick<StateOf<'resource_server'>, 'id' | 'data'>, isSystem = false): ResourceServerResponse {
  const d = state.data;
  return {
    id: state.id,
    name: d.name,
    identifier: d.identifier,
    is_system: isSystem,
    scopes: d.scopes,
    signing_alg: d.signing_alg,
    token_lifetime: d.token_lifetime,
    token_lifetime_for_web: Math.min(d.token_lifetime, 7200),
    allow_offline_access: d.allow_offline_access,
    skip_consent_for_verifiable_first_party_clients: d.skip_consent_for_verifiable_first_party_clients,
  };
}

export function presentClientGrant(state: StateOf<'client_grant'>) {
  return { id: state.id, client_id: state.data.client_id, audience: state.data.audience, scope: state.data.scope };
}
