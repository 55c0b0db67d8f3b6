import { z } from 'zod';
import { assertEndpoint, endpointUrl, type EndpointPolicy } from './endpoint.js';
import { authorizationParts } from './redact.js';
import type { SinkDefinition } from './types.js';

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Headers we set, or that change framing or routing: a custom header must not override them. */
const RESERVED_HEADERS = new Set([
  'authorization', 'content-type', 'content-length', 'content-encoding', 'transfer-encoding', 'host',
  'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'expect', 'idempotency-key',
]);

export const httpContentFormats = ['JSONARRAY', 'JSONLINES', 'JSONOBJECT'] as const;

export function httpSinkSchema(policy: EndpointPolicy = {}) {
  return z.object({
    httpEndpoint: endpointUrl(policy),
    httpContentType: z.string().min(1).max(255).regex(/^[^\r\n]*$/).optional(),
    httpContentFormat: z.enum(httpContentFormats).optional(),
    httpAuthorization: z.string().max(8192).regex(/^[^\r\n\0]*$/, 'must not contain line breaks').optional(),
    httpCustomHeaders: z.array(z.object({
      header: z.string().regex(TOKEN, 'must be an HTTP header name')
        .refine((name) => !RESERVED_HEADERS.has(name.toLowerCase()) && !name.toLowerCase().startsWith('proxy-'), 'is set by the stream itself'),
      value: z.string().max(8192).regex(/^[^\r\n\0]*$/, 'must not contain line breaks'),
    })).max(20).optional(),
  });
}

export type HttpSinkConfig = z.infer<ReturnType<typeof httpSinkSchema>>;

/**
 * Auth0's custom webhook. Each element is `{"log_id": …, "data": <entry>}` (the shape Auth0 posts).
 * JSONLINES (the default in Auth0's docs) puts one element per line; JSONARRAY wraps them in `[…]`.
 * JSONOBJECT's layout is not documented: we send a single element as the whole body, one entry per
 * POST, so a receiver can parse each request as one JSON object and nothing else.
 */
export const httpSink: SinkDefinition<HttpSinkConfig> = {
  type: 'http',
  schema: httpSinkSchema,
  secretFields: ['httpAuthorization'],
  destinationFields: ['httpEndpoint'],
  credentials: (config) => (config.httpAuthorization === undefined || config.httpAuthorization === '' ? [] : authorizationParts(config.httpAuthorization)),
  limits: (config) => ({ maxEntries: config.httpContentFormat === 'JSONOBJECT' ? 1 : 1000, maxBytes: 1_000_000 }),
  frame(config) {
    switch (config.httpContentFormat ?? 'JSONLINES') {
      case 'JSONARRAY': return { open: '[', separator: ',', close: ']' };
      case 'JSONLINES': return { open: '', separator: '\n', close: '' };
      case 'JSONOBJECT': return { open: '', separator: '', close: '' };
    }
  },
  element: (entry) => JSON.stringify({ log_id: entry.log_id, data: entry }),
  target(config, ctx) {
    const headers: Record<string, string> = {};
    for (const { header, value } of config.httpCustomHeaders ?? []) headers[header.toLowerCase()] = value;
    headers['content-type'] = config.httpContentType ?? 'application/json';
    if (config.httpAuthorization !== undefined && config.httpAuthorization !== '') headers.authorization = config.httpAuthorization;
    // Generic webhooks cannot be assumed to decode Content-Encoding, so bodies go uncompressed.
    return { url: assertEndpoint(new URL(config.httpEndpoint), ctx), headers, gzip: false, verifyTls: true };
  },
};
