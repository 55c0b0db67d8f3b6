import { z } from 'zod';
import { StoredClientConfigSchema, type ClientChanges, type StoredClientConfig } from './schema.js';
import type { ClientEvent } from './events.js';

// The fold shared by every consumer of clients.events. It is pure and total: an event that does
// not fit the current state is a conflict and changes nothing, so every consumer reading the same
// ordered log reaches the same verdicts and the same state. Treat states as immutable values.

export const ClientStateSchema = z.strictObject({
  client_id: z.string().min(1),
  /** Number of applied events: 1 after the create. */
  version: z.int().min(1),
  deleted: z.boolean(),
  config: StoredClientConfigSchema,
  client_secret_sealed: z.string(),
  encryption_key_sealed: z.string().optional(),
  /** ISO time of the create and of the last applied event, as passed to apply(). */
  created_at: z.string(),
  updated_at: z.string(),
});
export type ClientState = z.infer<typeof ClientStateSchema>;

export type Verdict = 'applied' | 'conflict';
export interface ApplyResult {
  state: ClientState | undefined;
  verdict: Verdict;
}

/** Sets the changed fields on a config; null removes the field. */
export function applyChanges(config: StoredClientConfig, changes: ClientChanges): StoredClientConfig {
  const next: Record<string, unknown> = { ...config };
  for (const [key, value] of Object.entries(changes)) {
    if (value === null) delete next[key];
    else if (value !== undefined) next[key] = value;
  }
  return next as StoredClientConfig;
}

/**
 * Applies one event to a client's state. `at` is the event's time (from its envelope) and becomes
 * created_at/updated_at, so replaying the log reproduces the same timestamps.
 */
export function apply(state: ClientState | undefined, event: ClientEvent, at: string): ApplyResult {
  const conflict: ApplyResult = { state, verdict: 'conflict' };
  if (event.expected_version !== (state?.version ?? 0)) return conflict;
  if (state && (state.deleted || state.client_id !== event.client_id)) return conflict;
  const applied = (next: ClientState): ApplyResult => ({ state: next, verdict: 'applied' });

  switch (event.type) {
    case 'client.created': {
      if (state) return conflict;
      const { client, client_secret_sealed, encryption_key_sealed } = event.data;
      return applied({
        client_id: event.client_id,
        version: 1,
        deleted: false,
        config: client,
        client_secret_sealed,
        ...(encryption_key_sealed === undefined ? {} : { encryption_key_sealed }),
        created_at: at,
        updated_at: at,
      });
    }
    case 'client.updated': {
      if (!state) return conflict;
      const { changes, client_secret_sealed, encryption_key_sealed } = event.data;
      const next: ClientState = { ...state, version: state.version + 1, config: applyChanges(state.config, changes), updated_at: at };
      if (client_secret_sealed !== undefined) next.client_secret_sealed = client_secret_sealed;
      if (encryption_key_sealed === null) delete next.encryption_key_sealed;
      else if (encryption_key_sealed !== undefined) next.encryption_key_sealed = encryption_key_sealed;
      return applied(next);
    }
    case 'client.deleted': {
      if (!state) return conflict;
      return applied({ ...state, version: state.version + 1, deleted: true, updated_at: at });
    }
    case 'client.secret_rotated': {
      if (!state) return conflict;
      return applied({ ...state, version: state.version + 1, client_secret_sealed: event.data.client_secret_sealed, updated_at: at });
    }
    default: {
      const _never: never = event;
      return _never;
    }
  }
}

/** Folds an ordered log of one client's events; the verdicts say which events took effect. */
export function foldEvents(
  events: Iterable<{ event: ClientEvent; at: string }>,
  initial?: ClientState,
): { state: ClientState | undefined; verdicts: Verdict[] } {
  let state = initial;
  const verdicts: Verdict[] = [];
  for (const { event, at } of events) {
    const result = apply(state, event, at);
    state = result.state;
    verdicts.push(result.verdict);
  }
  return { state, verdicts };
}
