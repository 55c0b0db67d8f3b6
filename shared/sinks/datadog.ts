import { z } from 'zod';
import { assertEndpoint, type EndpointPolicy } from './endpoint.js';
import type { SinkDefinition } from './types.js';

/** Logs intake per Datadog site (docs.datadoghq.com/api/latest/logs/send-logs). */
export const datadogIntakeOrigins = {
  us: 'https://http-intake.logs.datadoghq.com',
  eu: 'https://http-intake.logs.datadoghq.eu',
  us3: 'https://http-intake.logs.us3.datadoghq.com',
  us5: 'https://http-intake.logs.us5.datadoghq.com',
} as const;

// The region maps to fixed https origins; the loopback override comes from the stream context.
export function datadogSinkSchema(_policy: EndpointPolicy = {}) {
  return z.object({
    datadogApiKey: z.string().min(1).max(256).regex(/^[^\s]+$/, 'must not contain whitespace'),
    datadogRegion: z.enum(['us', 'eu', 'us3', 'us5']),
  });
}

export type DatadogSinkConfig = z.infer<ReturnType<typeof datadogSinkSchema>>;

/**
 * Datadog logs v2: a JSON array of log items. The entry's fields become attributes (searchable as
 * `@type`, `@client_id`…; `date` is one of Datadog's default timestamp attributes); the reserved
 * keys are set after them so routing and tagging never depend on what an entry contains. The one
 * reserved key an entry has itself is `hostname` (Auth0's: where the event happened), which is
 * what Datadog's host means, so it wins; only an entry without one is tagged with our host.
 */
export const datadogSink: SinkDefinition<DatadogSinkConfig> = {
  type: 'datadog',
  schema: datadogSinkSchema,
  secretFields: ['datadogApiKey'],
  credentials: (config) => [config.datadogApiKey],
  destinationFields: ['datadogRegion'],
  // Datadog caps a request at 1,000 items and 5 MB; 4.25 MB is Vector's goal, leaving room for the frame.
  limits: () => ({ maxEntries: 1000, maxBytes: 4_250_000 }),
  frame: () => ({ open: '[', separator: ',', close: ']' }),
  element: (entry, _config, ctx) =>
    JSON.stringify({
      ...entry,
      ddsource: ctx.source,
      ddtags: [`stream:${ctx.streamId}`, ...ctx.tags].join(','),
      hostname: typeof entry.hostname === 'string' && entry.hostname !== '' ? entry.hostname : ctx.host,
      service: ctx.service,
      message: typeof entry.description === 'string' && entry.description !== '' ? entry.description : entry.type,
    }),
  target(config, ctx) {
    const origin = ctx.datadogIntakeUrl ?? datadogIntakeOrigins[config.datadogRegion];
    return {
      url: assertEndpoint(new URL('/api/v2/logs', origin), ctx),
      headers: { 'dd-api-key': config.datadogApiKey, 'content-type': 'application/json' },
      gzip: true,
      verifyTls: true,
    };
  },
};
