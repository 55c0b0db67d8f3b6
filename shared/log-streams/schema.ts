import { z } from 'zod';
import { isSealed } from '../crypto/secret-box.js';
import { fieldLimitViolations, type FieldLimits } from '../http/json-limits.js';
import { PiiConfigSchema } from './pii.js';
import { datadogSinkSchema, httpSinkSchema, splunkSinkSchema, sumoSinkSchema, type EndpointPolicy, type SinkType } from '../sinks/index.js';

// Auth0's log stream shapes (Management API v2 /log-streams) for the sink types apptrail ships to.

export const LOG_STREAM_TYPES = ['http', 'splunk', 'sumo', 'datadog'] as const satisfies readonly SinkType[];
export type LogStreamType = (typeof LOG_STREAM_TYPES)[number];

/** `suspended` is set by the exporter after persistent failure; users move between active and paused. */
export const LOG_STREAM_STATUSES = ['active', 'paused', 'suspended'] as const;
export type LogStreamStatus = (typeof LOG_STREAM_STATUSES)[number];

/** Auth0's filter categories (DOCS:customize/log-streams/event-filters). */
export const LOG_STREAM_CATEGORIES = [
  'auth.login.fail', 'auth.login.notification', 'auth.login.success',
  'auth.logout.fail', 'auth.logout.success',
  'auth.signup.fail', 'auth.signup.success',
  'auth.silent_auth.fail', 'auth.silent_auth.success',
  'auth.token_exchange.fail', 'auth.token_exchange.success',
  'management.fail', 'management.success',
  'scim.event', 'system.notification',
  'user.fail', 'user.notification', 'user.success',
  'actions', 'other',
] as const;
export type LogStreamCategory = (typeof LOG_STREAM_CATEGORIES)[number];

export const LogStreamFilterSchema = z.strictObject({
  type: z.literal('category'),
  name: z.enum(LOG_STREAM_CATEGORIES),
});
export type LogStreamFilter = z.infer<typeof LogStreamFilterSchema>;

const FiltersSchema = z.array(LogStreamFilterSchema).max(LOG_STREAM_CATEGORIES.length).describe('Only entries of these categories are delivered; empty or omitted means all');
const NameSchema = z.string().min(1).max(128).describe('log stream name');
const IsPrioritySchema = z.boolean().describe('Stored for Auth0 compatibility; apptrail delivers every stream alike');

/**
 * `startFrom`: Auth0 takes an ISO 8601 time. We also take `beginning` (everything audit.log still
 * retains) and `now`, which is pinned to the moment the stream is created, so an exporter that
 * picks the stream up late still delivers what happened in between.
 */
export const StartFromSchema = z
  .union([z.literal('beginning'), z.literal('now'), z.iso.datetime({ offset: true })])
  .describe('Where a new stream starts: "beginning", "now" (the default) or an ISO 8601 time');
export type StartFrom = z.infer<typeof StartFromSchema>;

/** What a stream's position is derived from before it has committed one of its own. */
export const StoredStartFromSchema = z.union([z.literal('beginning'), z.iso.datetime({ precision: 3 })]);
export type StoredStartFrom = z.infer<typeof StoredStartFromSchema>;

/** A sink schema by stream type, strict so a misspelt field is an error rather than silently dropped. */
export function sinkSchemaFor(type: LogStreamType, policy: EndpointPolicy = {}) {
  switch (type) {
    case 'http': return httpSinkSchema(policy).strict();
    case 'splunk': return splunkSinkSchema(policy).strict();
    case 'sumo': return sumoSinkSchema(policy).strict();
    case 'datadog': return datadogSinkSchema(policy).strict();
  }
}

export function logStreamCreateSchema(policy: EndpointPolicy = {}) {
  const common = {
    name: NameSchema.optional(), isPriority: IsPrioritySchema.optional(), filters: FiltersSchema.optional(), pii_config: PiiConfigSchema.optional(), startFrom: StartFromSchema.optional(),
  };
  return z.discriminatedUnion('type', [
    z.strictObject({ ...common, type: z.literal('http'), sink: sinkSchemaFor('http', policy) }),
    z.strictObject({ ...common, type: z.literal('splunk'), sink: sinkSchemaFor('splunk', policy) }),
    z.strictObject({ ...common, type: z.literal('sumo'), sink: sinkSchemaFor('sumo', policy) }),
    z.strictObject({ ...common, type: z.literal('datadog'), sink: sinkSchemaFor('datadog', policy) }),
  ]);
}
export type LogStreamCreate = z.infer<ReturnType<typeof logStreamCreateSchema>>;

/** Depth and JSON size of the `sink` of a PATCH (its own object is level 1). */
export const SINK_PATCH_LIMITS: Readonly<Record<string, FieldLimits>> = { sink: { maxDepth: 4, maxBytes: 16 * 1024 } };

/**
 * PATCH: the sink is merged field by field into the current one (null removes an optional field)
 * and the result is validated against the stream's type, which cannot change.
 */
export const LogStreamUpdateSchema = z.strictObject({
  name: NameSchema.optional(),
  status: z.enum(['active', 'paused']).optional().describe('"active" also restarts a suspended stream from its own position'),
  isPriority: IsPrioritySchema.optional(),
  filters: FiltersSchema.optional(),
  pii_config: PiiConfigSchema.nullable().optional().describe('Replaces the PII obfuscation; null removes it (an apptrail addition)'),
  sink: z.record(z.string(), z.unknown()).optional().describe('Sink fields to change; the others keep their value'),
}).superRefine((body, ctx) => {
  // The sink is free-form until merged and checked against its type: bounded until then.
  for (const v of fieldLimitViolations(body, SINK_PATCH_LIMITS)) ctx.addIssue({ code: 'custom', path: v.path, message: v.text });
});
export type LogStreamUpdate = z.infer<typeof LogStreamUpdateSchema>;

export const SealedSchema = z.string().refine(isSealed, { message: 'Expected a sealed secret (v1.<keyId>.<iv>.<tag>.<ciphertext>)' });

/** The sink without its secret fields (those travel sealed beside it, see sink-secrets.ts). */
export const PublicSinkSchema = z.record(z.string(), z.unknown());
export type PublicSink = z.infer<typeof PublicSinkSchema>;

/** Why the exporter suspended a stream: the sink's status when it answered, and what went wrong. */
export const SuspensionSchema = z.strictObject({
  at: z.iso.datetime({ offset: true }),
  status: z.int().nullable(),
  message: z.string().max(2000),
});
export type Suspension = z.infer<typeof SuspensionSchema>;

/**
 * The API's answer: Auth0's stream object, sink secrets omitted. As at Auth0, `filters` is absent
 * when the stream has none and `pii_config` when none was set.
 */
export const LogStreamResponseSchema = z.object({
  id: z.string(),
  name: z.string(),
  type: z.enum(LOG_STREAM_TYPES),
  status: z.enum(LOG_STREAM_STATUSES),
  isPriority: z.boolean(),
  filters: z.array(LogStreamFilterSchema).optional(),
  pii_config: PiiConfigSchema.optional(),
  sink: PublicSinkSchema,
});
export type LogStreamResponse = z.infer<typeof LogStreamResponseSchema>;
