// Datadog logs intake v2 as documented: POST /api/v2/logs, DD-API-KEY, a JSON array of at most
// 1,000 items and 5 MB uncompressed, 202 on success; a log over 1 MB is truncated, not refused.
import { header, mediaType, startReceiver, type Receiver, type Verdict } from './core.js';

export interface DatadogReceiverOptions {
  apiKey: string;
}

const MAX_BYTES = 5_000_000;
const MAX_ITEMS = 1000;
const MAX_LOG_BYTES = 1_000_000;
const RESERVED_STRINGS = ['ddsource', 'ddtags', 'hostname', 'service', 'message'] as const;

const error = (status: number, title: string, detail: string): Verdict =>
  ({ status, body: { errors: [{ status: String(status), title, detail }] } });

export interface DatadogReceiver extends Receiver {
  /** Logs over 1 MB that Datadog would have cut short. */
  truncated(): number;
}

export async function startDatadogReceiver(options: DatadogReceiverOptions): Promise<DatadogReceiver> {
  let truncated = 0;
  const receiver = await startReceiver({
    encodings: ['gzip', 'deflate'],
    maxBytes: MAX_BYTES,
    tooLarge: (bytes) => error(413, 'Payload Too Large', `${bytes} bytes exceeds ${MAX_BYTES}`),
    unsupportedEncoding: (encoding) => error(415, 'Unsupported Media Type', `Content-Encoding ${encoding}`),
    badEncoding: () => error(400, 'Bad Request', 'body does not match its Content-Encoding'),
    failureBody: (status) => error(status, `HTTP ${status}`, 'scripted failure').body,
    authorize(req) {
      if (req.path !== '/api/v2/logs') return error(404, 'Not Found', req.path);
      if (req.method !== 'POST') return error(405, 'Method Not Allowed', req.method);
      const key = header(req.headers, 'dd-api-key');
      if (key === undefined) return error(401, 'Unauthorized', 'DD-API-KEY header is missing');
      if (key !== options.apiKey) return error(403, 'Forbidden', 'invalid API key');
      return undefined;
    },
    handle(req) {
      if (mediaType(req.headers) !== 'application/json') return error(400, 'Bad Request', 'Content-Type must be application/json for a JSON array');
      let parsed: unknown;
      try {
        parsed = JSON.parse(req.body.toString('utf8'));
      } catch {
        return error(400, 'Bad Request', 'body is not JSON');
      }
      const items = Array.isArray(parsed) ? parsed : [parsed];
      // Which status Datadog gives an over-long array is not documented; it is refused either way.
      if (items.length > MAX_ITEMS) return error(400, 'Bad Request', `${items.length} items exceeds ${MAX_ITEMS}`);
      for (const [index, item] of items.entries()) {
        if (typeof item !== 'object' || item === null || Array.isArray(item)) return error(400, 'Bad Request', `item ${index} is not an object`);
        for (const field of RESERVED_STRINGS) {
          const value = (item as Record<string, unknown>)[field];
          if (value !== undefined && typeof value !== 'string') return error(400, 'Bad Request', `item ${index}: ${field} must be a string`);
        }
        if (Buffer.byteLength(JSON.stringify(item)) > MAX_LOG_BYTES) truncated++;
      }
      return { status: 202, body: {}, entries: items };
    },
  });
  return { ...receiver, truncated: () => truncated };
}
