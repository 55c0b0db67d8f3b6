import { z } from 'zod';
import { assertEndpoint, endpointUrl, type EndpointPolicy } from './endpoint.js';
import type { SinkDefinition } from './types.js';

/** Where a hosted HTTP Logs source takes data; the last segment is the source's secret code. */
const SOURCE_PATH = /^\/receiver\/v1\/http\/[^/]+\/?$/;

/**
 * Any https URL, as Auth0 takes it (go-auth0's recordings create a Sumo stream on
 * `https://example.com`): a collector behind a proxy or the auth-header variant of a source has
 * another shape than `…/receiver/v1/http/<code>`.
 */
export function sumoSinkSchema(policy: EndpointPolicy = {}) {
  return z.object({ sumoSourceAddress: endpointUrl(policy) });
}

export type SumoSinkConfig = z.infer<ReturnType<typeof sumoSinkSchema>>;

/**
 * The URL in every spelling a server may echo it; for a hosted source also the collector code on
 * its own, otherwise the path and query, which is where another shape of URL would carry a secret.
 */
function sumoCredentials(address: string): string[] {
  const url = new URL(address);
  if (!SOURCE_PATH.test(url.pathname)) {
    return [address, url.href, ...(url.pathname === '/' ? [] : [url.pathname + url.search]), ...(url.search.length > 1 ? [url.search.slice(1)] : [])];
  }
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
