import { isDeepStrictEqual } from 'node:util';
import { badRequest, forbidden, notFound } from '../errors/auth0-error.js';
import { normalizeJwtConfiguration, normalizeRefreshToken, withCreateDefaults } from './defaults.js';
import type { ClientCreatedEvent, ClientDeletedEvent, ClientSecretRotatedEvent, ClientUpdatedEvent } from './events.js';
import { applyChanges, type ClientState } from './fold.js';
import { clientRuleViolations, toRuleView, type RuleScope } from './rules.js';
import type { ClientChanges, ClientCreate, ClientUpdate, StoredClientConfig } from './schema.js';

// Commands → events. Pure: the caller passes the current state (from its projection), the
// validated body, and the values that need I/O or randomness (ids, sealed secrets). Each function
// returns the event to append with the version it was decided on, or throws an Auth0Error.

function assertRules(config: StoredClientConfig, scope: RuleScope): void {
  const [first] = clientRuleViolations(toRuleView(config), scope);
  if (first) throw badRequest(first.message);
}

function existing(state: ClientState | undefined): ClientState {
  if (!state || state.deleted) throw notFound();
  return state;
}

export interface CreateSecrets {
  clientId: string;
  /** The new client's secret, sealed. */
  secretSealed: string;
  /** JSON of input.encryption_key, sealed; required when the body has one. */
  encryptionKeySealed?: string;
}

export function decideCreate(input: ClientCreate, { clientId, secretSealed, encryptionKeySealed }: CreateSecrets): ClientCreatedEvent {
  if (input.encryption_key && encryptionKeySealed === undefined) {
    throw new Error('decideCreate: the body has an encryption_key but no encryptionKeySealed was passed');
  }
  const client = withCreateDefaults(input);
  assertRules(client, { kind: 'all' });
  return {
    type: 'client.created',
    client_id: clientId,
    expected_version: 0,
    data: {
      client,
      client_secret_sealed: secretSealed,
      ...(input.encryption_key && encryptionKeySealed !== undefined ? { encryption_key_sealed: encryptionKeySealed } : {}),
    },
  };
}

export interface UpdateSecrets {
  /** patch.client_secret, sealed; required when the body has one. */
  secretSealed?: string;
  /** JSON of patch.encryption_key sealed, or null when the body removes it. */
  encryptionKeySealed?: string | null;
}

/**
 * Auth0 does not document how PATCH merges nested objects (unconfirmed): every top-level field
 * given replaces the stored value. jwt_configuration and refresh_token are completed with the
 * create defaults, so a stored client always has complete objects.
 */
function normalizedValue(key: string, value: unknown): unknown {
  if (key === 'jwt_configuration') return normalizeJwtConfiguration(value as StoredClientConfig['jwt_configuration']);
  if (key === 'refresh_token' && value !== null) return normalizeRefreshToken(value as NonNullable<StoredClientConfig['refresh_token']>);
  // google is fedcm_login's only setting: removing it (FedCMLoginPatch) leaves none.
  if (key === 'fedcm_login' && (value as { google?: unknown }).google === null) return null;
  return value;
}

/** Only the fields whose value differs from the stored one (deep equality; null = unset). */
export function changedFields(config: StoredClientConfig, fields: Omit<ClientUpdate, 'client_secret' | 'encryption_key'>): ClientChanges {
  const current: Record<string, unknown> = config;
  const changes: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(fields)) {
    if (raw === undefined) continue;
    if (raw === null) {
      if (current[key] !== undefined) changes[key] = null;
      continue;
    }
    const value = normalizedValue(key, raw);
    if (value === null ? current[key] !== undefined : !isDeepStrictEqual(current[key], value)) changes[key] = value;
  }
  return changes as ClientChanges;
}

export function decideUpdate(state: ClientState | undefined, patch: ClientUpdate, secrets: UpdateSecrets = {}): ClientUpdatedEvent {
  const client = existing(state);
  const { client_secret, encryption_key, ...fields } = patch;
  if (client_secret !== undefined && secrets.secretSealed === undefined) {
    throw new Error('decideUpdate: the body has a client_secret but no secretSealed was passed');
  }
  if (encryption_key && typeof secrets.encryptionKeySealed !== 'string') {
    throw new Error('decideUpdate: the body has an encryption_key but no encryptionKeySealed was passed');
  }

  const changes = changedFields(client.config, fields);
  // OAS: "Set on creation and cannot be modified"; repeating the stored value is no change.
  if (changes.third_party_security_mode !== undefined) throw badRequest('third_party_security_mode is set on creation and cannot be modified');
  // Documented for strict mode: a third-party client cannot become first-party.
  if (changes.is_first_party === true && client.config.third_party_security_mode === 'strict') {
    throw badRequest('is_first_party cannot be set to true on a third-party client in strict mode');
  }
  const changedKeys = new Set(Object.keys(changes));
  if (changedKeys.size > 0) assertRules(applyChanges(client.config, changes), { kind: 'touching', keys: changedKeys });

  const data: ClientUpdatedEvent['data'] = { changes };
  if (client_secret !== undefined && secrets.secretSealed !== undefined) data.client_secret_sealed = secrets.secretSealed;
  if (encryption_key === null && client.encryption_key_sealed !== undefined) data.encryption_key_sealed = null;
  else if (encryption_key && typeof secrets.encryptionKeySealed === 'string') data.encryption_key_sealed = secrets.encryptionKeySealed;
  return { type: 'client.updated', client_id: client.client_id, expected_version: client.version, data };
}

export function decideDelete(state: ClientState | undefined): ClientDeletedEvent {
  const client = existing(state);
  return { type: 'client.deleted', client_id: client.client_id, expected_version: client.version, data: {} };
}

/**
 * Not allowed for clients authenticating with credentials (private_key_jwt, mTLS): they have no
 * secret in use. Auth0 documents the private_key_jwt case; the 403 operation_not_supported answer
 * is our choice. Public clients (token_endpoint_auth_method none) may rotate, as in Auth0.
 */
export function decideRotate(state: ClientState | undefined, { secretSealed }: { secretSealed: string }): ClientSecretRotatedEvent {
  const client = existing(state);
  if (client.config.client_authentication_methods !== undefined) {
    throw forbidden('The client secret cannot be rotated for a client that uses client_authentication_methods (private_key_jwt or mTLS)', 'operation_not_supported');
  }
  return { type: 'client.secret_rotated', client_id: client.client_id, expected_version: client.version, data: { client_secret_sealed: secretSealed } };
}
