import type { EventMeta } from '../../../shared/clients/envelope.js';
import type { SecretBox } from '../../../shared/crypto/secret-box.js';
import { createSubjectDecideAndAppend, type EventProducer } from '../../../shared/kafka/index.js';
import type { Logger } from '../../../shared/log/index.js';
import {
  apply, clientGrantId, clientGrantNotFound, decideCreateClientGrant, decideCreateResourceServer, decideDeleteClientGrant, decideDeleteResourceServer,
  decideInitialiseKeys, decideRevokeKey, decideRotateKeys, decideUpdateClientGrant, decideUpdateResourceServer, decideUpdateSettings, newSigningKey,
  resourceServerId, resourceServerNotFound, SIGNING_KEYS_ID, TENANT_SETTINGS_ID, toTenantEventRecord,
  type ClientGrantCreate, type ClientGrantUpdate, type ResourceServerCreate, type ResourceServerUpdate, type StateOf, type TenantDirectory, type TenantEvent,
  type TenantProjection, type TenantResourceState, type TenantSettingsUpdate,
} from '../../../shared/tenant/index.js';

export interface TenantCommandDeps {
  projection: TenantProjection;
  producer: EventProducer;
  topic: string;
  log: Logger;
  box: SecretBox;
  directory: TenantDirectory;
  clientLive: (clientId: string) => boolean;
  /** CN of the key certificates. */
  tenantName: string;
}

/** Who the API role acts as when it writes on its own account (the first key pair). */
export const SYSTEM_META: EventMeta = { actor: 'apptrail', actorclient: '', actorname: 'apptrail', requestid: '', ip: '', useragent: 'apptrail', method: 'POST', path: '/api/v2/keys/signing' };

export function createTenantCommands(deps: TenantCommandDeps) {
  const { directory, box } = deps;
  const decideAndAppend = createSubjectDecideAndAppend<TenantResourceState, TenantEvent, EventMeta>({
    ...deps,
    stateOf: (id) => deps.projection.store.get(id),
    toRecord: toTenantEventRecord,
    foldNew: (event, time) => {
      const folded = apply(undefined, event, time);
      return { verdict: folded.verdict, before: undefined, after: folded.state };
    },
    noun: 'tenant resource',
  });

  return {
    async createResourceServer(input: ResourceServerCreate, meta: EventMeta, system: string) {
      return (await decideAndAppend(resourceServerId(input.identifier), (s) => decideCreateResourceServer(s, input, system), meta)) as StateOf<'resource_server'>;
    },
    async updateResourceServer(id: string, patch: ResourceServerUpdate, meta: EventMeta) {
      const s = await decideAndAppend(id, (current) => decideUpdateResourceServer(current, patch), meta);
      if (!s || s.deleted || s.kind !== 'resource_server') throw resourceServerNotFound();
      return s;
    },
    async deleteResourceServer(id: string, meta: EventMeta): Promise<void> {
      await decideAndAppend(id, (current) => decideDeleteResourceServer(current), meta);
    },
    async createClientGrant(input: ClientGrantCreate, meta: EventMeta) {
      return (await decideAndAppend(
        clientGrantId(input.client_id, input.audience),
        (s) => decideCreateClientGrant(s, input, { clientExists: deps.clientLive(input.client_id), audience: directory.audience(input.audience) }),
        meta,
      )) as StateOf<'client_grant'>;
    },
    async updateClientGrant(id: string, patch: ClientGrantUpdate, meta: EventMeta) {
      const s = await decideAndAppend(id, (current) => decideUpdateClientGrant(current, patch, directory.audience), meta);
      if (!s || s.deleted || s.kind !== 'client_grant') throw clientGrantNotFound();
      return s;
    },
    async deleteClientGrant(id: string, meta: EventMeta): Promise<void> {
      await decideAndAppend(id, (current) => decideDeleteClientGrant(current), meta);
    },
    async updateSettings(patch: TenantSettingsUpdate, meta: EventMeta): Promise<void> {
      await decideAndAppend(TENANT_SETTINGS_ID, (current) => decideUpdateSettings(current, patch), meta);
    },
    async rotateKeys(meta: EventMeta) {
      // Made (and sealed) before deciding: a lost race re-decides with the same new key.
      const next = await newSigningKey(box, deps.tenantName);
      return (await decideAndAppend(SIGNING_KEYS_ID, (current) => decideRotateKeys(current, next), meta)) as StateOf<'signing_keys'>;
    },
    async revokeKey(kid: string, meta: EventMeta) {
      return (await decideAndAppend(SIGNING_KEYS_ID, (current) => decideRevokeKey(current, kid), meta)) as StateOf<'signing_keys'>;
    },
    /**
     * First start: the fold has no keys, so this instance proposes a pair. Two instances racing
     * both decide on version 0; the log keeps one, the loser re-decides, finds keys and stops.
     */
    async ensureKeys(privateKeyPem?: string): Promise<StateOf<'signing_keys'>> {
      const held = deps.projection.store.liveOf('signing_keys', SIGNING_KEYS_ID);
      if (held) return held;
      const current = await newSigningKey(box, deps.tenantName, privateKeyPem === undefined ? {} : { privateKeyPem });
      const next = await newSigningKey(box, deps.tenantName);
      return (await decideAndAppend(SIGNING_KEYS_ID, (s) => decideInitialiseKeys(s, { current, next }), SYSTEM_META)) as StateOf<'signing_keys'>;
    },
  };
}
export type TenantCommands = ReturnType<typeof createTenantCommands>;
