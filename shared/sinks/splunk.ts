import { createHash } from 'node:crypto';
import { z } from 'zod';
import { isLoopbackHost, type EndpointPolicy } from './endpoint.js';
import type { AuditEntry, DeliveryOutcome, SinkDefinition } from './types.js';

const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

// The policy only matters at send time (the scheme is derived there), but every sink takes it.
export function splunkSinkSchema(_policy: EndpointPolicy = {}) {
  return z.object({
    splunkDomain: z.string().regex(HOST_NAME, 'must be a host name, without scheme, port or path'),
    splunkToken: z.string().min(1).max(512).regex(/^[^\s]+$/, 'must not contain whitespace'),
    splunkPort: z.string().regex(/^\d{1,5}$/, 'must be a string of digits').refine((port) => Number(port) >= 1 && Number(port) <= 65535, 'must be a port number'),
    splunkSecure: z.boolean(),
  });
}

export type SplunkSinkConfig = z.infer<ReturnType<typeof splunkSinkSchema>>;

/**
 * A GUID derived from the stream id: the channel must stay the same for a stream across restarts,
 * because indexer acknowledgements (if the token has them on) are tracked per channel.
 */
export function splunkChannel(streamId: string): string {
  const bytes = createHash('sha256').update(`splunk-channel:${streamId}`).digest().subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x80; // RFC 9562 version 8: custom, name-derived
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Epoch seconds with the millisecond fraction, as HEC's `time` wants; undefined lets Splunk stamp receipt time. */
function epochSeconds(entry: AuditEntry): number | undefined {
  const ms = Date.parse(entry.date);
  return Number.isNaN(ms) ? undefined : ms / 1000;
}

/** HEC codes that mean the token or its settings are wrong, not this batch (codes from Splunk's cloudfwd client). */
const CONFIG_CODES = new Set([7 /* incorrect index */, 10 /* channel missing */, 11 /* invalid channel */, 14 /* ack disabled */]);

function classifySplunk(status: number, body: string): DeliveryOutcome | undefined {
  if (status !== 400) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { code, text } = parsed as { code?: unknown; text?: unknown };
  const eventNumber = (parsed as Record<string, unknown>)['invalid-event-number'];
  const label = `Splunk code ${String(code)}${typeof text === 'string' ? ` (${text})` : ''}`;
  if (typeof code === 'number' && CONFIG_CODES.has(code)) {
    return { kind: 'reject', status, responseBody: body, reason: `${label}: HEC token settings`, scope: 'sink' };
  }
  if (typeof eventNumber === 'number') {
    // Splunk indexes the events before the bad one: re-sending this batch would duplicate them.
    return { kind: 'reject', status, responseBody: body, reason: `${label} at event ${eventNumber}; earlier events in the batch were indexed`, scope: 'batch' };
  }
  return undefined;
}

/** Splunk HTTP Event Collector, `/services/collector/event`: JSON envelopes one after another, no array. */
export const splunkSink: SinkDefinition<SplunkSinkConfig> = {
  type: 'splunk',
  schema: splunkSinkSchema,
  secretFields: ['splunkToken'],
  credentials: (config) => [config.splunkToken],
  // splunkSecure: false stops verifying the server's certificate, i.e. whoever answers gets the token.
  destinationFields: ['splunkDomain', 'splunkPort', 'splunkSecure'],
  // 1 MB like Vector's splunk_hec default and the per-request limit Splunk Cloud documents; HEC has no count cap.
  limits: () => ({ maxEntries: Number.POSITIVE_INFINITY, maxBytes: 1_000_000 }),
  frame: () => ({ open: '', separator: '', close: '' }),
  element: (entry, _config, ctx) =>
    JSON.stringify({ time: epochSeconds(entry), host: ctx.host, source: ctx.source, sourcetype: ctx.sourcetype, event: entry }),
  target(config, ctx) {
    // Auth0 always speaks https to HEC; plain http is only for a local receiver in tests.
    const scheme = ctx.allowInsecureLoopback && isLoopbackHost(config.splunkDomain) ? 'http' : 'https';
    return {
      url: new URL(`${scheme}://${config.splunkDomain}:${config.splunkPort}/services/collector/event`),
      headers: {
        authorization: `Splunk ${config.splunkToken}`,
        'content-type': 'application/json',
        'x-splunk-request-channel': splunkChannel(ctx.streamId),
      },
      gzip: true,
      verifyTls: config.splunkSecure,
    };
  },
  classify: classifySplunk,
};
