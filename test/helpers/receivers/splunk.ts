// Splunk HTTP Event Collector as documented: paths, `Authorization: Splunk <token>`, concatenated
// JSON envelopes, the {"text","code"} replies (codes from Splunk's cloudfwd client), gzip only.
import { header, splitConcatenatedJson, startReceiver, type Receiver, type Verdict } from './core.js';

export interface SplunkReceiverOptions {
  token: string;
  /** Splunk Cloud documents 1 MB per request; Enterprise's max_content_length is 800 MiB. */
  maxBytes?: number;
  /** As when indexer acknowledgement is on for the token: requests without a channel get code 10. */
  requireChannel?: boolean;
  /** Splunk itself stamps receipt time when `time` is absent; our sender always sends it, so by default its absence is an error. */
  requireTime?: boolean;
}

const PATHS = new Set(['/services/collector', '/services/collector/event', '/services/collector/event/1.0']);
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const reply = (status: number, code: number, text: string, extra: Record<string, unknown> = {}): Verdict =>
  ({ status, body: { text, code, ...extra } });

function isNumericTime(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0;
  return typeof value === 'string' && /^\d+(\.\d+)?$/.test(value);
}

export function startSplunkReceiver(options: SplunkReceiverOptions): Promise<Receiver> {
  const maxBytes = options.maxBytes ?? 1_000_000;
  return startReceiver({
    encodings: ['gzip'],
    maxBytes,
    // The 413 body is not in Splunk's code table; the status is what matters to senders.
    tooLarge: (bytes) => reply(413, 413, `Content-Length of ${bytes} too large (maximum is ${maxBytes})`),
    // Third-party probes report 415 for deflate (unconfirmed).
    unsupportedEncoding: () => reply(415, 415, 'Unsupported content encoding'),
    badEncoding: () => reply(400, 6, 'Invalid data format'),
    failureBody: (status) => (status === 503 ? { text: 'Server is busy', code: 9 } : status === 500 ? { text: 'Internal server error', code: 8 } : { text: `HTTP ${status}`, code: status }),
    authorize(req) {
      if (!PATHS.has(req.path)) return reply(404, 404, 'The requested URL was not found on this server.');
      if (req.method !== 'POST') return reply(405, 405, 'Method not allowed');
      const auth = header(req.headers, 'authorization');
      if (auth === undefined) return reply(401, 2, 'Token is required');
      const match = /^Splunk (\S+)$/.exec(auth);
      if (match === null) return reply(401, 3, 'Invalid authorization');
      if (match[1] !== options.token) return reply(403, 4, 'Invalid token');
      const channel = header(req.headers, 'x-splunk-request-channel') ?? req.query.get('channel') ?? undefined;
      if (channel === undefined && options.requireChannel === true) return reply(400, 10, 'Data channel is missing');
      if (channel !== undefined && !GUID.test(channel)) return reply(400, 11, 'Invalid data channel');
      return undefined;
    },
    handle(req) {
      const text = req.body.toString('utf8');
      if (text.trim() === '') return reply(400, 5, 'No data');
      const { objects, invalidAt } = splitConcatenatedJson(text);
      // Splunk indexes the events before the first bad one and reports its index.
      const fail = (index: number, code: number, message: string): Verdict =>
        ({ ...reply(400, code, message, { 'invalid-event-number': index }), entries: objects.slice(0, index).map((o) => (o as { event: unknown }).event) });
      for (const [index, object] of objects.entries()) {
        const envelope = object as Record<string, unknown>;
        if (!('event' in envelope)) return fail(index, 12, 'Event field is required');
        if (envelope.event === '' || envelope.event === null) return fail(index, 13, 'Event field cannot be blank');
        if (envelope.time === undefined ? options.requireTime !== false : !isNumericTime(envelope.time)) return fail(index, 6, 'Invalid data format');
        for (const field of ['host', 'source', 'sourcetype', 'index'] as const) {
          if (envelope[field] !== undefined && typeof envelope[field] !== 'string') return fail(index, 6, 'Invalid data format');
        }
      }
      if (invalidAt !== undefined) return fail(invalidAt, 6, 'Invalid data format');
      return { ...reply(200, 0, 'Success'), entries: objects.map((o) => (o as { event: unknown }).event) };
    },
  });
}
