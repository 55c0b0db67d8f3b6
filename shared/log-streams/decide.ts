import { isDeepStrictEqual } from 'node:util';
import type { SecretBox } from '../crypto/secret-box.js';
import { badRequest, fromZodIssues, notFound } from '../errors/auth0-error.js';
import { sinkDestinationFields, sinkSecretFields, type EndpointPolicy } from '../sinks/index.js';
import type { LogStreamEventOf } from './events.js';
import type { LogStreamState } from './fold.js';
import { sinkSchemaFor, type LogStreamCreate, type LogStreamUpdate, type StoredStartFrom, type Suspension } from './schema.js';
import { openSink, resealIfChanged, sealSink } from './sink-secrets.js';

// Commands → events. The caller passes the current state from its own fold; each function returns
// the event to append with the version it was decided on, undefined when nothing would change, or
// throws an Auth0Error.

/**
 * Auth0's message word for word (go-auth0's recordings, TestLogStreamManager_Delete). Auth0 sends no
 * errorCode with it; apptrail always sends one so clients can branch on it (as for 401, errors/auth0-error.ts).
 */
export const streamNotFound = () => notFound('The log stream does not exist.', 'inexistent_log_stream');

function existing(state: LogStreamState | undefined): LogStreamState {
  if (!state || state.deleted) throw streamNotFound();
  return state;
}

/** `now` is pinned to the creation time, so the position does not depend on when an exporter starts. */
export function resolveStartFrom(startFrom: LogStreamCreate['startFrom'], now: Date): StoredStartFrom {
  if (startFrom === 'beginning') return 'beginning';
  return (startFrom === undefined || startFrom === 'now' ? now : new Date(startFrom)).toISOString();
}

export function decideCreate(input: LogStreamCreate, ctx: { id: string; box: SecretBox; now: Date }): LogStreamEventOf<'log_stream.created'> {
  return {
    type: 'log_stream.created',
    stream_id: ctx.id,
    expected_version: 0,
    data: {
      name: input.name ?? ctx.id,
      type: input.type,
      isPriority: input.isPriority ?? false,
      filters: input.filters ?? [],
      ...(input.pii_config === undefined ? {} : { pii_config: input.pii_config }),
      ...sealSink(input.type, input.sink, ctx.box),
      start_from: resolveStartFrom(input.startFrom, ctx.now),
    },
  };
}

/**
 * A stream's credentials stay bound to where they were set up to go: a PATCH that changes the
 * destination (endpoint, Splunk host/port/TLS, Datadog region) must give the credentials again
 * (or null to drop them), or whoever may update a stream could send its token to any host.
 * Keeping the destination and changing the credential is an ordinary update.
 */
export function assertCredentialsFollowDestination(state: LogStreamState, patch: Record<string, unknown>, box: SecretBox): void {
  const current = openSink(state, box);
  const moved = sinkDestinationFields[state.type].filter((f) => f in patch && !isDeepStrictEqual(patch[f] ?? undefined, current[f]));
  if (moved.length === 0) return;
  const missing = sinkSecretFields[state.type].filter((f) => current[f] !== undefined && patch[f] === undefined);
  if (missing.length === 0) return;
  throw badRequest(
    `Payload validation error: 'Missing required property: ${missing.join(', ')}' on property sink ` +
      `(the credential must be given again when ${moved.join(', ')} changes; it is never carried over to a new destination).`,
  );
}

/** The sink after a PATCH: given fields replace the current ones, null removes one; the type's schema judges the result. */
function mergedSink(state: LogStreamState, patch: Record<string, unknown>, box: SecretBox, policy: EndpointPolicy): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...openSink(state, box) };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  const parsed = sinkSchemaFor(state.type, policy).safeParse(merged);
  if (!parsed.success) throw fromZodIssues(parsed.error.issues.map((i) => ({ ...i, path: ['sink', ...i.path] })), { where: 'body' });
  return parsed.data as Record<string, unknown>;
}

export function decideUpdate(
  state: LogStreamState | undefined,
  patch: LogStreamUpdate,
  ctx: { box: SecretBox; policy: EndpointPolicy },
): LogStreamEventOf<'log_stream.updated'> | undefined {
  const current = existing(state);
  const changes: LogStreamEventOf<'log_stream.updated'>['data']['changes'] = {};
  if (patch.name !== undefined && patch.name !== current.name) changes.name = patch.name;
  if (patch.status !== undefined && patch.status !== current.status) changes.status = patch.status;
  if (patch.isPriority !== undefined && patch.isPriority !== current.isPriority) changes.isPriority = patch.isPriority;
  if (patch.filters !== undefined && !isDeepStrictEqual(patch.filters, current.filters)) changes.filters = patch.filters;
  if (patch.pii_config !== undefined && !isDeepStrictEqual(patch.pii_config ?? undefined, current.pii_config)) changes.pii_config = patch.pii_config;
  if (patch.sink !== undefined) {
    assertCredentialsFollowDestination(current, patch.sink, ctx.box);
    const next = resealIfChanged(current.type, mergedSink(current, patch.sink, ctx.box, ctx.policy), current, ctx.box);
    if (!isDeepStrictEqual(next.sink, current.sink)) changes.sink = next.sink;
    if (next.sink_secrets_sealed !== current.sink_secrets_sealed) changes.sink_secrets_sealed = next.sink_secrets_sealed;
  }
  if (Object.keys(changes).length === 0) return undefined;
  return { type: 'log_stream.updated', stream_id: current.id, expected_version: current.version, data: { changes } };
}

/** Deleting a stream that is gone (or never was) changes nothing: Auth0 answers it 204 too (same recordings). */
export function decideDelete(state: LogStreamState | undefined): LogStreamEventOf<'log_stream.deleted'> | undefined {
  if (!state || state.deleted) return undefined;
  const current = state;
  return { type: 'log_stream.deleted', stream_id: current.id, expected_version: current.version, data: {} };
}

/**
 * The exporter's verdict on a failing stream, decided on the version whose sink it was running:
 * a stream changed since (a fixed token, a pause) is not suspended for the old sink's failures.
 */
export function decideSuspend(state: LogStreamState | undefined, runningVersion: number, reason: Suspension): LogStreamEventOf<'log_stream.suspended'> | undefined {
  if (!state || state.deleted || state.status !== 'active' || state.version !== runningVersion) return undefined;
  return { type: 'log_stream.suspended', stream_id: state.id, expected_version: state.version, data: { reason } };
}
