import { z } from 'zod';
import { LogStreamResponseSchema, SuspensionSchema } from './schema.js';
import { DeadLettersSchema, DeliveryErrorSchema } from './health.js';

/** GET /api/v2/log-streams/{id}/health (an apptrail addition): what an operator needs to see of a stream. */
export const LogStreamHealthSchema = z.object({
  id: z.string(),
  status: LogStreamResponseSchema.shape.status,
  /** Entries on audit.log the stream has not taken yet (paused and suspended streams keep their place). */
  lag: z.int().nullable(),
  last_success_at: z.string().nullable(),
  last_error: DeliveryErrorSchema.nullable(),
  failing_since: z.string().nullable(),
  /** Entries the stream will not deliver (in log-streams.dlq): how many, and the latest. */
  dead_letters: DeadLettersSchema,
  suspension: SuspensionSchema.optional(),
});
export type LogStreamHealth = z.infer<typeof LogStreamHealthSchema>;
