import { z } from 'zod';
import { createEventCodec, subjectEvents, type EventMeta, type IncomingRecord, type OutgoingRecord } from '../events/index.js';
import { ClientGrantDataSchema, ResourceServerDataSchema, SigningKeyRecordSchema, TenantSettingsDataSchema } from './schema.js';

// tenant.events: every tenant-level resource (resource servers, client grants, the settings, the
// signing keys), one record per accepted change, keyed by the resource's id. Retained forever.
// Private keys travel sealed (secret-box); nothing secret is in clear on the topic.

export const TenantEventDataSchemas = {
  'resource_server.created': ResourceServerDataSchema,
  'resource_server.updated': z.strictObject({ changes: ResourceServerDataSchema.omit({ identifier: true }).partial() }),
  'resource_server.deleted': z.strictObject({}),
  'client_grant.created': ClientGrantDataSchema,
  'client_grant.updated': z.strictObject({ scope: z.array(z.string()) }),
  'client_grant.deleted': z.strictObject({}),
  'tenant_settings.updated': z.strictObject({ changes: TenantSettingsDataSchema.partial() }),
  /** The first key pair: `current` signs, `next` is published ahead of the first rotation. */
  'signing_keys.initialised': z.strictObject({ current: SigningKeyRecordSchema, next: SigningKeyRecordSchema }),
  /** next becomes current, current becomes previous (still published), `next` is the new next. */
  'signing_keys.rotated': z.strictObject({ next: SigningKeyRecordSchema }),
  'signing_keys.revoked': z.strictObject({ kid: z.string().min(1) }),
} as const;

export type TenantEventType = keyof typeof TenantEventDataSchemas;
export const TENANT_EVENT_TYPES = Object.keys(TenantEventDataSchemas) as TenantEventType[];

export type TenantEvent = {
  [T in TenantEventType]: { type: T; subject: string; expected_version: number; data: z.infer<(typeof TenantEventDataSchemas)[T]> };
}[TenantEventType];
export type TenantEventOf<T extends TenantEventType> = Extract<TenantEvent, { type: T }>;

const catalog = Object.fromEntries(TENANT_EVENT_TYPES.map((type) => [type, { version: 1, data: TenantEventDataSchemas[type] }])) as {
  [T in TenantEventType]: { version: number; data: (typeof TenantEventDataSchemas)[T] };
};
const envelope = subjectEvents(createEventCodec(catalog, '/apptrail/tenant'));


export interface TenantEventRecord {
  id: string;
  time: string;
  event: TenantEvent;
  meta: EventMeta;
}

export function toTenantEventRecord(event: TenantEvent, meta: EventMeta): { record: OutgoingRecord; id: string; time: string } {
  return envelope.serialise(event, meta);
}

/** Throws PoisonRecordError when the record is not a valid tenant.events record of this schema version. */
export function parseTenantEventRecord(record: IncomingRecord): TenantEventRecord {
  const { id, time, type, subject, expected_version, data, meta } = envelope.parse(record);
  return { id, time, event: { type, subject, expected_version, data } as TenantEvent, meta };
}
