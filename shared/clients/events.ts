import { z } from 'zod';
import { isSealed } from '../crypto/secret-box.js';
import { ClientChangesSchema, StoredClientConfigSchema } from './schema.js';

// The domain part of a clients.events record: `type`, `client_id`, `expected_version` and `data`.
// The envelope (event id, actor, time, CloudEvents attributes) belongs to the Kafka wiring.
// Secrets only ever appear sealed (shared/crypto/secret-box.ts).

/**
 * Bump when an event's data changes; consumers stop at versions they do not know.
 * 2: client fields of the auth0 7.1.0 SDK (fedcm_login, token_vault_privileged_access, …). A v1
 * reader would dead-letter a record carrying them (strict schemas), so it must halt instead.
 */
export const CLIENT_EVENT_SCHEMA_VERSION = 2;

/** Version n → n + 1 of every client event's data. v1 data is valid v2 data: the new fields are optional. */
export const CLIENT_EVENT_UPCASTS: Readonly<Record<number, (data: unknown) => unknown>> = {
  1: (data) => data,
};

const Sealed = z.string().refine(isSealed, { message: 'Expected a sealed secret (v1.<keyId>.<iv>.<tag>.<ciphertext>)' });

export const ClientEventDataSchemas = {
  'client.created': z.strictObject({
    /** Defaults applied, without secrets. */
    client: StoredClientConfigSchema,
    client_secret_sealed: Sealed,
    /** The encryption_key object as JSON, sealed. */
    encryption_key_sealed: Sealed.optional(),
  }),
  'client.updated': z.strictObject({
    /** Only the fields that changed; null unsets a field. */
    changes: ClientChangesSchema,
    client_secret_sealed: Sealed.optional(),
    /** null removes the encryption key. */
    encryption_key_sealed: Sealed.nullable().optional(),
  }),
  'client.deleted': z.strictObject({}),
  'client.secret_rotated': z.strictObject({ client_secret_sealed: Sealed }),
} as const;

export type ClientEventType = keyof typeof ClientEventDataSchemas;
export const CLIENT_EVENT_TYPES = Object.keys(ClientEventDataSchemas) as ClientEventType[];

const eventOf = <T extends ClientEventType>(type: T) =>
  z.strictObject({
    type: z.literal(type),
    client_id: z.string().min(1),
    /** The client's version the command was decided on (0 for a create). */
    expected_version: z.int().min(0),
    data: ClientEventDataSchemas[type],
  });

export const ClientEventSchema = z.discriminatedUnion('type', [
  eventOf('client.created'),
  eventOf('client.updated'),
  eventOf('client.deleted'),
  eventOf('client.secret_rotated'),
]);

export type ClientEvent = z.infer<typeof ClientEventSchema>;
export type ClientEventOf<T extends ClientEventType> = Extract<ClientEvent, { type: T }>;
export type ClientCreatedEvent = ClientEventOf<'client.created'>;
export type ClientUpdatedEvent = ClientEventOf<'client.updated'>;
export type ClientDeletedEvent = ClientEventOf<'client.deleted'>;
export type ClientSecretRotatedEvent = ClientEventOf<'client.secret_rotated'>;
