import { z } from 'zod';
import { StoredClientConfigSchema, type ClientChanges, type StoredClientConfig } from './schema.js';
import type { ClientEvent } from './events.js';
import { clientRuleViolations, toRuleView } from './rules.js';

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
  /** Version at which each field last changed (absent = since the create); see isStale. */
  field_versions: z.record(z.string(), z.int()),
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
/** The fields an event writes; secrets count as fields so a rotate races a PATCH of client_secret. */
function touchedFields(event: ClientEvent): string[] {
  switch (event.type) {
    case 'client.updated': {
      const fields = Object.keys(event.data.changes);
      if (event.data.client_secret_sealed !== undefined) fields.push('client_secret');
      if (event.data.encryption_key_sealed !== undefined) fields.push('encryption_key');
      return fields;
    }
    case 'client.secret_rotated':
      return ['client_secret'];
    default:
      return [];
  }
}

/**
 * Field-level optimistic concurrency: an event decided on an older version still applies when no
 * field it writes has changed since that version. Two PATCHes of different fields therefore both
 * take effect in log order; two writes of the same field are a conflict and the loser is
 * re-decided on fresh state, so no update is ever lost silently. A delete decided on an older
 * version still deletes (that was the intent).
 */
function isStale(state: ClientState, event: ClientEvent): boolean {
  if (event.expected_version === state.version) return false;
  if (event.expected_version > state.version) return true;
  if (event.type === 'client.deleted') return false;
  return touchedFields(event).some((f) => (state.field_versions[f] ?? 1) > event.expected_version);
}

function withFieldVersions(state: ClientState, event: ClientEvent, version: number): Record<string, number> {
  const next = { ...state.field_versions };
  for (const f of touchedFields(event)) next[f] = version;
  return next;
}

export function apply(state: ClientState | undefined, event: ClientEvent, at: string): ApplyResult {
  const conflict: ApplyResult = { state, verdict: 'conflict' };
  if (!state) {
    if (event.type !== 'client.created' || event.expected_version !== 0) return conflict;
  } else if (state.deleted || state.client_id !== event.client_id || isStale(state, event)) {
    return conflict;
  }
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
        field_versions: {},
        created_at: at,
        updated_at: at,
      });
    }
    case 'client.updated': {
      if (!state) return conflict;
      const { changes, client_secret_sealed, encryption_key_sealed } = event.data;
      const version = state.version + 1;
      const next: ClientState = { ...state, version, config: applyChanges(state.config, changes), field_versions: withFieldVersions(state, event, version), updated_at: at };
      // A merged (stale but disjoint) update was checked against an older config: the combination
      // must still satisfy the cross-field rules, or it is a conflict and gets re-decided.
      if (event.expected_version !== state.version && clientRuleViolations(toRuleView(next.config)).length > 0) return conflict;
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
      const version = state.version + 1;
      return applied({ ...state, version, client_secret_sealed: event.data.client_secret_sealed, field_versions: withFieldVersions(state, event, version), updated_at: at });
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
