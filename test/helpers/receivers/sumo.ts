// Sumo Logic hosted HTTP Logs source as documented: POST to /receiver/v1/http/<code> (the code is
// the credential), one message per line, gzip or deflate (zlib), at most 1 MB before compression.
import { startReceiver, type Receiver, type Verdict } from './core.js';

export interface SumoReceiverOptions {
  /** The collector code at the end of the source URL. */
  code: string;
}

const PREFIX = '/receiver/v1/http/';
const MAX_BYTES = 1_000_000;

export function startSumoReceiver(options: SumoReceiverOptions): Promise<Receiver> {
  return startReceiver({
    encodings: ['gzip', 'deflate'],
    maxBytes: MAX_BYTES,
    // Sumo's answer to an oversized POST is not documented; a strict receiver refuses it.
    tooLarge: (bytes) => ({ status: 413, body: `request of ${bytes} bytes exceeds ${MAX_BYTES}` }),
    unsupportedEncoding: (encoding) => ({ status: 415, body: `unsupported Content-Encoding ${encoding}` }),
    badEncoding: () => ({ status: 400, body: 'body does not match its Content-Encoding' }),
    failureBody: (status) => `HTTP ${status}`,
    authorize(req) {
      if (!req.path.startsWith(PREFIX)) return { status: 404, body: 'not found' };
      if (req.path.slice(PREFIX.length).replace(/\/$/, '') !== options.code) return { status: 401, body: 'invalid collector code' };
      // Compressed data is only accepted with POST, and that is all our sender does.
      if (req.method !== 'POST') return { status: 405, body: 'POST only' };
      return undefined;
    },
    handle(req): Verdict {
      const fields = req.headers['x-sumo-fields'];
      if (typeof fields === 'string' && !fields.split(',').every((pair) => /^[^=,]+=[^,]*$/.test(pair.trim()))) {
        return { status: 400, body: 'X-Sumo-Fields must be comma-separated key=value pairs' };
      }
      const lines = req.body.toString('utf8').split('\n').filter((line) => line.trim() !== '');
      const entries: unknown[] = [];
      // Sumo itself takes any text; our sender's contract is one JSON object per line, checked here.
      for (const [index, line] of lines.entries()) {
        try {
          const parsed: unknown = JSON.parse(line);
          if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
          entries.push(parsed);
        } catch {
          return { status: 400, body: `line ${index + 1} is not a JSON object` };
        }
      }
      return { status: 200, entries };
    },
  });
}
