import { z } from 'zod';
import { assertEndpoint, endpointUrl, type EndpointPolicy } from './endpoint.js';
import type { SinkDefinition } from './types.js';

const SOURCE_PATH = /^\/receiver\/v1\/http\/[^/]+\/?$/;

export function sumoSinkSchema(policy: EndpointPolicy = {}) {
  return z.object({
    sumoSourceAddress: endpointUrl(policy).refine((value) => {
      try {
        return SOURCE_PATH.test(new URL(value).pathname);
      } catch {
        return true; // endpointUrl already reported it
      }
    }, 'must be a Sumo Logic HTTP source URL (…/receiver/v1/http/<code>)'),
  });
}

export type SumoSinkConfig = z.infer<ReturnType<typeof sumoSinkSchema>>;

/** The URL in every spelling a server may echo it, and the collector code on its own. */
function sumoCredentials(address: string): string[] {
  const url = new URL(address);
  const code = url.pathname.replace(/\/$/, '').split('/').pop() ?? '';
  let decoded = code;
  try {
    decoded = decodeURIComponent(code);
  } catch {
    // Not percent-encoded text: the raw code is all there is.
  }
  return [address, url.href, url.pathname, code, decoded];
}

/** Sumo Logic hosted HTTP Logs source: one JSON entry per line, the token in the URL path. */
export const sumoSink: SinkDefinition<SumoSinkConfig> = {
  type: 'sumo',
  schema: sumoSinkSchema,
  // The URL is the credential: whoever has it can write to the source.
  secretFields: ['sumoSourceAddress'],
  credentials: (config) => sumoCredentials(config.sumoSourceAddress),
  // The address is the credential: a new destination is always a new credential.
  destinationFields: [],
  // Sumo: "never more than 1 MB" per POST before compression; no count cap.
  limits: () => ({ maxEntries: Number.POSITIVE_INFINITY, maxBytes: 1_000_000 }),
  frame: () => ({ open: '', separator: '\n', close: '' }),
  // JSON.stringify escapes line breaks, so one entry can never become two Sumo messages.
  element: (entry) => JSON.stringify(entry),
  target(config, ctx) {
    const headers: Record<string, string> = {
      'content-type': 'application/x-ndjson',
      'x-sumo-name': ctx.source,
      'x-sumo-host': ctx.host,
    };
    // Only when asked: the header overrides the category the user configured on the source.
    if (ctx.category !== undefined) headers['x-sumo-category'] = ctx.category;
    return { url: assertEndpoint(new URL(config.sumoSourceAddress), ctx), headers, gzip: true, verifyTls: true };
  },
};
