// What every local sink receiver shares: a node:http server on 127.0.0.1, bounded body reading,
// Content-Encoding decoding, scripted failures, and the record of accepted entries by log_id.
// Each protocol module only says what its vendor documents: paths, auth, body shape, replies.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { gunzipSync, inflateSync } from 'node:zlib';

/**
 * One scripted answer, consumed by the next request that arrives.
 * - `status`: answer with it (and `Retry-After` when given) instead of handling the request.
 * - `timeoutMs`: read the request, then stay silent for that long and drop the connection.
 * - `slowReadMs`: wait that long before reading each chunk of the body, then handle it normally.
 * - `pass`: handle normally, to script failures for a later request.
 * `accept: true` on the first two keeps the entries as if the request had succeeded: a server that
 * did the work but whose answer got lost, which is how retries create duplicates.
 */
export type FailureStep =
  | { status: number; retryAfter?: number | string; body?: string; accept?: boolean }
  | { timeoutMs: number; accept?: boolean }
  | { slowReadMs: number }
  | { pass: true };

export interface ReceivedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Decoded (decompressed) body. */
  body: Buffer;
}

export interface Verdict {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Entries the receiver keeps, even on an error status (Splunk indexes the events before a bad one). */
  entries?: readonly unknown[];
}

export interface Protocol {
  /** Content-Encoding values accepted besides identity. */
  encodings: readonly ('gzip' | 'deflate')[];
  /** Largest decoded body, as the vendor documents it. */
  maxBytes: number;
  tooLarge(bytes: number): Verdict;
  unsupportedEncoding(encoding: string): Verdict;
  badEncoding(): Verdict;
  /** Checks that need no body (path, method, credentials); a verdict here ends the request. */
  authorize(req: Omit<ReceivedRequest, 'body'>): Verdict | undefined;
  handle(req: ReceivedRequest): Verdict;
  /** Body of a scripted failure with this status, shaped like the vendor's own errors. */
  failureBody(status: number): unknown;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  status: number | 'no answer';
  /** Decoded size; undefined when the body was never read completely. */
  bytes?: number;
  body?: Buffer;
  logIds: string[];
}

export interface ReceiverCounts {
  requests: number;
  /** Entries kept, duplicates included. */
  accepted: number;
  unique: number;
  /** log_ids kept more than once. */
  duplicates: string[];
}

export interface Receiver {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  port: number;
  failNext(steps: readonly FailureStep[]): void;
  /** Answers every request with this step (after any scripted by failNext) until called with undefined. */
  failAll(step: FailureStep | undefined): void;
  /** Stops listening: connections are refused, as by a sink that is down. What was kept stays. */
  refuseConnections(): Promise<void>;
  /** Listens again on the same port. */
  acceptConnections(): Promise<void>;
  /** Every request carrying this entry is refused with a 400, as a sink refuses one bad entry. */
  refuse(logId: string): void;
  readonly requests: readonly RecordedRequest[];
  /** Entries kept, in arrival order, duplicates included. */
  readonly entries: readonly Record<string, unknown>[];
  counts(): ReceiverCounts;
  /** How many times each log_id was kept. */
  acceptedIds(): Map<string, number>;
  close(): Promise<void>;
}

/** Refuses anything larger outright, whatever the protocol allows after decompression. */
const RAW_LIMIT = 16 * 1024 * 1024;

class TooLarge extends Error {
  constructor(readonly bytes: number) {
    super('body too large');
  }
}

async function readBody(req: IncomingMessage, slowReadMs: number, signal: AbortSignal): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    if (slowReadMs > 0) await delay(slowReadMs, undefined, { signal });
    size += chunk.length;
    if (size > RAW_LIMIT) throw new TooLarge(size);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function decode(raw: Buffer, encoding: string, maxBytes: number): Buffer {
  // maxOutputLength stops a small gzip bomb from inflating into memory before the size check.
  const opts = { maxOutputLength: maxBytes + 1 };
  const body = encoding === 'gzip' ? gunzipSync(raw, opts) : encoding === 'deflate' ? inflateSync(raw, opts) : raw;
  if (body.length > maxBytes) throw new TooLarge(body.length);
  return body;
}

function send(res: ServerResponse, verdict: Verdict): void {
  const body = verdict.body === undefined ? '' : typeof verdict.body === 'string' ? verdict.body : JSON.stringify(verdict.body);
  const headers: Record<string, string> = { ...verdict.headers };
  if (body !== '' && headers['content-type'] === undefined) {
    headers['content-type'] = typeof verdict.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8';
  }
  res.writeHead(verdict.status, headers).end(body);
}

function logIdOf(entry: unknown): string | undefined {
  if (typeof entry !== 'object' || entry === null) return undefined;
  const id = (entry as { log_id?: unknown }).log_id;
  return typeof id === 'string' ? id : undefined;
}

export async function startReceiver(protocol: Protocol): Promise<Receiver> {
  const script: FailureStep[] = [];
  const requests: RecordedRequest[] = [];
  const entries: Record<string, unknown>[] = [];
  const accepted = new Map<string, number>();
  const held = new Set<AbortController>();
  const refused = new Set<string>();
  let standing: FailureStep | undefined;

  function keep(verdict: Verdict, record: RecordedRequest): void {
    for (const entry of verdict.entries ?? []) {
      const id = logIdOf(entry);
      // Every entry we ship carries a log_id; one without it is a sender bug the tests must see.
      if (id === undefined) throw new Error(`receiver kept an entry without log_id: ${JSON.stringify(entry).slice(0, 200)}`);
      entries.push(entry as Record<string, unknown>);
      accepted.set(id, (accepted.get(id) ?? 0) + 1);
      record.logIds.push(id);
    }
  }

  async function serve(req: IncomingMessage, res: ServerResponse, signal: AbortSignal): Promise<void> {
    const step = script.shift() ?? standing;
    const url = new URL(req.url ?? '/', 'http://receiver');
    const meta = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers };
    const record: RecordedRequest = { method: meta.method, path: meta.path, headers: req.headers, status: 'no answer', logIds: [] };
    requests.push(record);

    const reply = (verdict: Verdict): void => {
      record.status = verdict.status;
      send(res, verdict);
    };

    const denied = protocol.authorize(meta);
    if (denied !== undefined && step === undefined) return reply(denied);

    let verdict: Verdict;
    try {
      const raw = await readBody(req, step !== undefined && 'slowReadMs' in step ? step.slowReadMs : 0, signal);
      const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
      if (encoding !== 'identity' && !(protocol.encodings as readonly string[]).includes(encoding)) {
        verdict = protocol.unsupportedEncoding(encoding);
      } else {
        let body: Buffer | undefined;
        try {
          body = decode(raw, encoding, protocol.maxBytes);
        } catch (err) {
          if (err instanceof TooLarge || (err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') verdict = protocol.tooLarge(err instanceof TooLarge ? err.bytes : protocol.maxBytes + 1);
          else verdict = protocol.badEncoding();
        }
        if (body !== undefined) {
          record.bytes = body.length;
          record.body = body;
          verdict = denied ?? protocol.handle({ ...meta, body });
        }
      }
    } catch (err) {
      if (err instanceof TooLarge) return reply(protocol.tooLarge(err.bytes));
      // The client went away mid-upload (its own timeout), or the receiver is closing: nothing to answer.
      return;
    }
    verdict ??= { status: 500, body: 'receiver bug: no verdict' };

    if (verdict.status < 300 && (verdict.entries ?? []).some((e) => refused.has(logIdOf(e) ?? ''))) {
      verdict = { status: 400, body: protocol.failureBody(400) };
    }
    if (step === undefined || 'slowReadMs' in step || 'pass' in step) {
      keep(verdict, record);
      return reply(verdict);
    }
    if (step.accept === true && verdict.status < 300) keep(verdict, record);
    if ('timeoutMs' in step) {
      await delay(step.timeoutMs, undefined, { signal }).catch(() => undefined);
      res.socket?.destroy();
      return;
    }
    const headers: Record<string, string> = step.retryAfter === undefined ? {} : { 'retry-after': String(step.retryAfter) };
    reply({ status: step.status, headers, body: step.body ?? protocol.failureBody(step.status) });
  }

  const server = createServer((req, res) => {
    res.on('error', () => undefined);
    req.on('error', () => undefined);
    // Holds and slow reads end at close(), so a test never waits on a receiver's timers.
    const hold = new AbortController();
    held.add(hold);
    serve(req, res, hold.signal)
      .catch((err: unknown) => {
        if (!res.headersSent) send(res, { status: 500, body: `receiver error: ${err instanceof Error ? err.message : String(err)}` });
      })
      .finally(() => held.delete(hold));
  });
  const listen = (on: number) => new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(on, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const stopListening = async () => {
    for (const hold of held) hold.abort();
    server.closeAllConnections();
    if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  await listen(0);
  const { port } = server.address() as AddressInfo;

  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    failNext: (steps) => { script.push(...steps); },
    failAll: (step) => { standing = step; },
    refuseConnections: stopListening,
    acceptConnections: () => listen(port),
    refuse: (logId) => { refused.add(logId); },
    requests,
    entries,
    acceptedIds: () => new Map(accepted),
    counts: () => ({
      requests: requests.length,
      accepted: entries.length,
      unique: accepted.size,
      duplicates: [...accepted].filter(([, n]) => n > 1).map(([id]) => id),
    }),
    close: stopListening,
  };
}

/** Parses `{"a":1}{"b":2} {"c":3}` into its objects; the index of the first unreadable one otherwise. */
export function splitConcatenatedJson(text: string): { objects: unknown[]; invalidAt?: number } {
  const objects: unknown[] = [];
  let i = 0;
  while (true) {
    while (i < text.length && /\s/.test(text[i] ?? '')) i++;
    if (i >= text.length) return { objects };
    if (text[i] !== '{') return { objects, invalidAt: objects.length };
    let depth = 0;
    let inString = false;
    let end = -1;
    for (let j = i; j < text.length; j++) {
      const c = text[j];
      if (inString) {
        if (c === '\\') j++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        depth--;
        if (depth === 0) {
          end = j + 1;
          break;
        }
      }
    }
    if (end < 0) return { objects, invalidAt: objects.length };
    try {
      objects.push(JSON.parse(text.slice(i, end)));
    } catch {
      return { objects, invalidAt: objects.length };
    }
    i = end;
  }
}

/** Value of a header that may only appear once, or undefined. */
export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The media type of Content-Type, without parameters, lower-cased. */
export function mediaType(headers: IncomingHttpHeaders): string {
  return (header(headers, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}
