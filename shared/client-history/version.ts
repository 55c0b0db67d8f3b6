import { z } from 'zod';

/** A field the event changed, secrets as "REDACTED". */
export const VersionChangeSchema = z.object({ field: z.string(), before: z.unknown().optional(), after: z.unknown().optional() });

export const ClientVersionSchema = z.object({
  version: z.int().min(1),
  date: z.string().describe('ISO time of the event'),
  type: z.string().describe('The event: client.created, client.updated, client.secret_rotated, client.deleted'),
  deleted: z.boolean(),
  actor: z.object({ user_id: z.string(), client_id: z.string(), name: z.string(), request_id: z.string() }),
  changes: z.array(VersionChangeSchema),
});
export type ClientVersion = z.infer<typeof ClientVersionSchema>;
