import { z } from 'zod';
import type { LogStreamEvent } from './events.js';
import { PiiConfigSchema } from './pii.js';
import { LOG_STREAM_STATUSES, LOG_STREAM_TYPES, LogStreamFilterSchema, PublicSinkSchema, SealedSchema, StoredStartFromSchema, SuspensionSchema } from './schema.js';

// The fold shared by every reader of log-streams.events (the API's projection, each exporter).
// Pure and total: an event decided on another version than the stream's current one is a
// conflict and changes nothing, so every reader of the same ordered log agrees.

export const LogStreamStateSchema = z.strictObject({
  id: z.string().min(1),
  /** Number of applied events: 1 after the create. */
  version: z.int().min(1),
  deleted: z.boolean(),
  name: z.string(),
  type: z.enum(LOG_STREAM_TYPES),
  status: z.enum(LOG_STREAM_STATUSES),
  isPriority: z.boolean(),
  filters: z.array(LogStreamFilterSchema),
  pii_config: PiiConfigSchema.optional(),
  sink: PublicSinkSchema,
  sink_secrets_sealed: SealedSchema,
  start_from: StoredStartFromSchema,
  /** Why the stream was last suspended; kept after re-activation as history. */
  suspension: SuspensionSchema.optional(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type LogStreamState = z.infer<typeof LogStreamStateSchema>;

export type Verdict = 'applied' | 'conflict';

export function apply(state: LogStreamState | undefined, event: LogStreamEvent, at: string): { state: LogStreamState | undefined; verdict: Verdict } {
  const conflict = { state, verdict: 'conflict' as const };
  if (event.type === 'log_stream.created') {
    if (state || event.expected_version !== 0) return conflict;
    const { data } = event;
    return {
      verdict: 'applied',
      state: {
        id: event.stream_id,
        version: 1,
        deleted: false,
        name: data.name,
        type: data.type,
        status: 'active',
        isPriority: data.isPriority,
        filters: data.filters,
        ...(data.pii_config === undefined ? {} : { pii_config: data.pii_config }),
        sink: data.sink,
        sink_secrets_sealed: data.sink_secrets_sealed,
        start_from: data.start_from,
        created_at: at,
        updated_at: at,
      },
    };
  }
  if (!state || state.deleted || state.id !== event.stream_id || event.expected_version !== state.version) return conflict;
  const next = { ...state, version: state.version + 1, updated_at: at };
  switch (event.type) {
    case 'log_stream.updated': {
      const { changes } = event.data;
      const { pii_config: _old, ...kept } = next;
      return {
        verdict: 'applied',
        state: {
          ...(changes.pii_config === undefined ? next : kept),
          ...(changes.pii_config === undefined || changes.pii_config === null ? {} : { pii_config: changes.pii_config }),
          ...(changes.name === undefined ? {} : { name: changes.name }),
          ...(changes.status === undefined ? {} : { status: changes.status }),
          ...(changes.isPriority === undefined ? {} : { isPriority: changes.isPriority }),
          ...(changes.filters === undefined ? {} : { filters: changes.filters }),
          ...(changes.sink === undefined ? {} : { sink: changes.sink }),
          ...(changes.sink_secrets_sealed === undefined ? {} : { sink_secrets_sealed: changes.sink_secrets_sealed }),
        },
      };
    }
    case 'log_stream.suspended':
      // Only a running stream can be suspended; a pause that won the race stays a pause.
      if (state.status !== 'active') return conflict;
      return { verdict: 'applied', state: { ...next, status: 'suspended', suspension: event.data.reason } };
    case 'log_stream.deleted':
      return { verdict: 'applied', state: { ...next, deleted: true } };
    default: {
      const _never: never = event;
      return _never;
    }
  }
}
