// Auth0's custom webhook as a receiver sees it: POST with the configured Authorization and
// Content-Type, elements `{"log_id", "data"}` as JSONLINES, JSONARRAY or one JSONOBJECT per request.
import { header, mediaType, startReceiver, type Receiver, type Verdict } from './core.js';

export interface HttpReceiverOptions {
  path?: string;
  /** Exact Authorization value expected; undefined accepts requests without one. */
  authorization?: string;
  contentType?: string;
  format: 'JSONARRAY' | 'JSONLINES' | 'JSONOBJECT';
  maxBytes?: number;
}

function element(value: unknown, where: string): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${where} is not an object`);
  const { log_id: logId, data } = value as { log_id?: unknown; data?: unknown };
  if (typeof logId !== 'string') throw new Error(`${where} has no string log_id`);
  if (typeof data !== 'object' || data === null || (data as { log_id?: unknown }).log_id !== logId) {
    throw new Error(`${where}: data must be the entry with the same log_id`);
  }
  return data;
}

function parse(format: HttpReceiverOptions['format'], text: string): unknown[] {
  switch (format) {
    case 'JSONARRAY': {
      const parsed: unknown = JSON.parse(text);
      if (!Array.isArray(parsed)) throw new Error('body is not a JSON array');
      return parsed.map((item, i) => element(item, `element ${i}`));
    }
    case 'JSONLINES':
      return text.split('\n').filter((line) => line.trim() !== '').map((line, i) => element(JSON.parse(line), `line ${i + 1}`));
    case 'JSONOBJECT':
      return [element(JSON.parse(text), 'body')];
  }
}

export function startHttpReceiver(options: HttpReceiverOptions): Promise<Receiver> {
  const path = options.path ?? '/api/logs';
  const maxBytes = options.maxBytes ?? 1_000_000;
  const contentType = (options.contentType ?? 'application/json').toLowerCase();
  return startReceiver({
    encodings: ['gzip'],
    maxBytes,
    tooLarge: (bytes) => ({ status: 413, body: { error: `${bytes} bytes exceeds ${maxBytes}` } }),
    unsupportedEncoding: (encoding) => ({ status: 415, body: { error: `unsupported Content-Encoding ${encoding}` } }),
    badEncoding: () => ({ status: 400, body: { error: 'body does not match its Content-Encoding' } }),
    failureBody: (status) => ({ error: `scripted ${status}` }),
    authorize(req) {
      if (req.path !== path) return { status: 404, body: { error: 'not found' } };
      if (req.method !== 'POST') return { status: 405, body: { error: 'POST only' } };
      if (options.authorization !== undefined && header(req.headers, 'authorization') !== options.authorization) {
        return { status: 401, body: { error: 'bad or missing Authorization' } };
      }
      return undefined;
    },
    handle(req): Verdict {
      if (mediaType(req.headers) !== contentType) return { status: 415, body: { error: `expected Content-Type ${contentType}` } };
      try {
        return { status: 200, body: { ok: true }, entries: parse(options.format, req.body.toString('utf8')) };
      } catch (err) {
        return { status: 400, body: { error: err instanceof Error ? err.message : String(err) } };
      }
    },
  });
}
