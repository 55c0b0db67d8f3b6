import { z } from 'zod';
import type { TenantEvent, TenantEventOf, TenantEventType } from './events.js';
import {
  ClientGrantDataSchema, DEFAULT_TENANT_SETTINGS, ResourceServerDataSchema, SigningKeysDataSchema, TenantSettingsDataSchema,
  type ClientGrantData, type ResourceServerData, type SigningKeysData, type TenantSettingsData,
} from './schema.js';

// The one fold of tenant.events, shared by every reader (the API's projection and directory, the
// audit consumer). Generic over the kinds: every resource is a versioned subject; an event names
// the version it was decided on, and one decided on any other version is a conflict that changes
// nothing, so every reader of the same ordered log agrees. Only the per-kind reducers differ.

const base = {
  id: z.string().min(1),
  /** Number of applied events on this subject, across deletions and re-creations. */
  version: z.int().min(1),
  deleted: z.boolean(),
  /** The version the current life of the subject began at (a re-created id starts a new one). */
  incarnation: z.int().min(1),
  created_at: z.string(),
  updated_at: z.string(),
};
export const TenantResourceStateSchema = z.discriminatedUnion('kind', [
  z.strictObject({ ...base, kind: z.literal('resource_server'), data: ResourceServerDataSchema }),
  z.strictObject({ ...base, kind: z.literal('client_grant'), data: ClientGrantDataSchema }),
  z.strictObject({ ...base, kind: z.literal('tenant_settings'), data: TenantSettingsDataSchema }),
  z.strictObject({ ...base, kind: z.literal('signing_keys'), data: SigningKeysDataSchema }),
]);
export type TenantResourceState = z.infer<typeof TenantResourceStateSchema>;
export type TenantKind = TenantResourceState['kind'];
export type StateOf<K extends TenantKind> = Extract<TenantResourceState, { kind: K }>;
type DataOf<K extends TenantKind> = StateOf<K>['data'];

export type Verdict = 'applied' | 'conflict';

/**
 * How an event type acts on its subject: `create` needs no live subject, `update` and `delete` a
 * live one of the kind, `upsert` either (a singleton that exists from its first change). `reduce`
 * returns the new data, or undefined when the event does not fit the state (a conflict).
 */
type Rule<T extends TenantEventType, K extends TenantKind> = {
  kind: K;
  op: 'create' | 'update' | 'delete' | 'upsert';
  reduce: (data: DataOf<K> | undefined, event: TenantEventOf<T>, at: string) => DataOf<K> | undefined;
};
type Rules = { [T in TenantEventType]: Rule<T, TenantKind> };

const rule = <T extends TenantEventType, K extends TenantKind>(r: Rule<T, K>) => r as unknown as Rule<T, TenantKind>;

export const TENANT_RULES: Rules = {
  'resource_server.created': rule<'resource_server.created', 'resource_server'>({ kind: 'resource_server', op: 'create', reduce: (_d, e) => e.data }),
  'resource_server.updated': rule<'resource_server.updated', 'resource_server'>({
    kind: 'resource_server', op: 'update', reduce: (d, e) => (d ? ({ ...d, ...e.data.changes } as ResourceServerData) : undefined),
  }),
  'resource_server.deleted': rule<'resource_server.deleted', 'resource_server'>({ kind: 'resource_server', op: 'delete', reduce: (d) => d }),
  // Over a live grant only when that one was made for an earlier life of the API (deleted and
  // re-created since): such a grant is void, and the new one replaces it.
  'client_grant.created': rule<'client_grant.created', 'client_grant'>({
    kind: 'client_grant', op: 'upsert', reduce: (d, e) => (d && d.audience_incarnation >= e.data.audience_incarnation ? undefined : e.data),
  }),
  'client_grant.updated': rule<'client_grant.updated', 'client_grant'>({ kind: 'client_grant', op: 'update', reduce: (d, e) => (d ? ({ ...d, scope: e.data.scope } as ClientGrantData) : undefined) }),
  'client_grant.deleted': rule<'client_grant.deleted', 'client_grant'>({ kind: 'client_grant', op: 'delete', reduce: (d) => d }),
  'tenant_settings.updated': rule<'tenant_settings.updated', 'tenant_settings'>({
    kind: 'tenant_settings', op: 'upsert', reduce: (d, e) => ({ ...(d ?? DEFAULT_TENANT_SETTINGS), ...e.data.changes }) as TenantSettingsData,
  }),
  'signing_keys.initialised': rule<'signing_keys.initialised', 'signing_keys'>({
    kind: 'signing_keys', op: 'create',
    reduce: (_d, e, at) => ({ keys: [{ ...e.data.current, current_since: at }, e.data.next], current_kid: e.data.current.kid, next_kid: e.data.next.kid }),
  }),
  'signing_keys.rotated': rule<'signing_keys.rotated', 'signing_keys'>({
    kind: 'signing_keys', op: 'update',
    reduce: (d, e, at) => {
      if (!d || d.keys.some((k) => k.kid === e.data.next.kid)) return undefined;
      const keys = d.keys.map((k) => (k.kid === d.current_kid ? { ...k, current_until: at } : k.kid === d.next_kid ? { ...k, current_since: at } : k));
      return { keys: [...keys, e.data.next], current_kid: d.next_kid, next_kid: e.data.next.kid } satisfies SigningKeysData;
    },
  }),
  'signing_keys.revoked': rule<'signing_keys.revoked', 'signing_keys'>({
    kind: 'signing_keys', op: 'update',
    reduce: (d, e, at) => {
      // Only a previous key can be revoked: never the one signing now, nor the one about to.
      const key = d?.keys.find((k) => k.kid === e.data.kid);
      if (!d || !key || key.revoked_at !== undefined || e.data.kid === d.current_kid || e.data.kid === d.next_kid) return undefined;
      return { ...d, keys: d.keys.map((k) => (k.kid === e.data.kid ? { ...k, revoked_at: at } : k)) } satisfies SigningKeysData;
    },
  }),
};

export function kindOfEvent(type: TenantEventType): TenantKind {
  return TENANT_RULES[type].kind;
}

/** Pure and total: the state of one subject after one event, and whether it took effect. */
export function apply(state: TenantResourceState | undefined, event: TenantEvent, at: string): { state: TenantResourceState | undefined; verdict: Verdict } {
  const conflict = { state, verdict: 'conflict' as const };
  const r = TENANT_RULES[event.type] as Rule<TenantEventType, TenantKind>;
  if (state && (state.kind !== r.kind || state.id !== event.subject)) return conflict;
  const live = state !== undefined && !state.deleted;
  const expected = state?.version ?? 0;
  if (event.expected_version !== expected) return conflict;
  if ((r.op === 'create' && live) || ((r.op === 'update' || r.op === 'delete') && !live)) return conflict;
  const data = r.reduce(live ? (state.data as never) : undefined, event as never, at);
  if (data === undefined) return conflict;
  const version = expected + 1;
  const fresh = !live;
  return {
    verdict: 'applied',
    state: {
      id: event.subject,
      kind: r.kind,
      version,
      deleted: r.op === 'delete',
      incarnation: fresh ? version : state.incarnation,
      created_at: fresh ? at : state.created_at,
      updated_at: at,
      data,
    } as TenantResourceState,
  };
}
