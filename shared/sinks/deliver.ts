import { Pool, type Dispatcher } from 'undici';
import { classifyStatus, RESPONSE_BODY_LIMIT } from './classify.js';
import { elementOf, encodeBatch, planEncoded } from './encode.js';
import { createGate } from './gate.js';
import { credentialRedactor, longestForm, type Redact } from './redact.js';
import type { AuditEntry, DeliveryOutcome, EncodedBatch, SinkDefinition, StreamContext } from './types.js';

/** Sumo drops requests that take over 30 s and Standard Webhooks suggests 15–30 s; we stay at the low end. */
export const DEFAULT_TIMEOUT_MS = 15_000;

export interface DeliverOptions {
  stream: StreamContext;
  /** The stream's own connection pool (see createSinkClient), so one slow sink cannot starve another. */
  dispatcher: Dispatcher;
  /** Aborting (shutdown, stream paused) ends the request at once with a retry outcome: nothing is committed. */
  signal?: AbortSignal;
  /** Whole exchange: connect, upload, response headers and body. */
  timeoutMs?: number;
}

/** What sendBatch needs to keep the stream's credentials out of what it reports. */
export interface Redaction {
  redact: Redact;
  /** Bytes of the longest credential form: the body is read that far past its limit, see readText. */
  margin: number;
}

export function redactionFor<C>(sink: SinkDefinition<C>, config: C): Redaction {
  const credentials = sink.credentials(config);
  return { redact: credentialRedactor(credentials), margin: longestForm(credentials) };
}

/** Sends one planned batch (see planBatches) and says what the caller should do with it. Never throws for I/O. */
export async function deliver<C>(sink: SinkDefinition<C>, config: C, entries: readonly AuditEntry[], opts: DeliverOptions): Promise<DeliveryOutcome> {
  if (entries.length === 0) return { kind: 'ok' };
  return sendBatch(sink, await encodeBatch(sink, config, entries, opts.stream), { ...opts, ...redactionFor(sink, config) });
}

/**
 * The start of a response body, credentials redacted. It is read `margin` bytes past the limit and
 * cut after redaction, so a credential that straddles the limit is redacted whole rather than
 * leaving its first characters behind.
 */
async function readText(body: Dispatcher.ResponseData['body'], redaction: Redaction): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  const limit = RESPONSE_BODY_LIMIT + redaction.margin;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= limit) break; // leaving the loop destroys the rest of the stream
  }
  const redacted = redaction.redact(Buffer.concat(chunks).subarray(0, limit).toString('utf8'));
  return Buffer.from(redacted, 'utf8').subarray(0, RESPONSE_BODY_LIMIT).toString('utf8');
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

function errorCode(err: unknown): string {
  if (typeof err === 'object' && err !== null) {
    const { code, cause } = err as { code?: unknown; cause?: unknown };
    if (typeof code === 'string') return code;
    if (cause !== undefined) return errorCode(cause);
  }
  return 'UNKNOWN';
}

/** Every reason and body in the outcome has the stream's credentials redacted (see redact.ts). */
export async function sendBatch<C>(sink: SinkDefinition<C>, batch: EncodedBatch, opts: DeliverOptions & Redaction): Promise<DeliveryOutcome> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // One controller for both the deadline and the caller, with the caller's listener removed
  // afterwards: a stream-long signal must not collect a dependant per batch (AbortSignal.any would).
  const abort = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    abort.abort(new Error(`no complete response within ${timeoutMs} ms`));
  }, timeoutMs);
  const onCallerAbort = (): void => abort.abort(opts.signal?.reason);
  if (opts.signal?.aborted === true) onCallerAbort();
  else opts.signal?.addEventListener('abort', onCallerAbort, { once: true });
  try {
    const res = await opts.dispatcher.request({
      origin: batch.url.origin,
      path: batch.url.pathname + batch.url.search,
      method: 'POST',
      headers: { 'user-agent': 'apptrail-log-stream', ...batch.headers },
      body: batch.body,
      signal: abort.signal,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const body = res.statusCode >= 200 && res.statusCode < 300 && sink.classify === undefined
      ? await res.body.dump({ limit: RESPONSE_BODY_LIMIT }).then(() => '')
      : await readText(res.body, opts);
    const retryAfter = res.headers['retry-after'];
    return sink.classify?.(res.statusCode, body) ?? classifyStatus(res.statusCode, body, Array.isArray(retryAfter) ? retryAfter[0] : retryAfter);
  } catch (err) {
    if (opts.signal?.aborted === true) return { kind: 'retry', reason: 'aborted by the caller before the sink answered' };
    const code = errorCode(err);
    // undici's own header/body timers run alongside ours and may fire first; same meaning.
    if (timedOut || TIMEOUT_CODES.has(code)) return { kind: 'retry', reason: `timeout: no complete response within ${timeoutMs} ms` };
    if (code === 'UND_ERR_INVALID_ARG') {
      // A header or URL undici refuses to send: no retry can fix it, and the stream's config is at fault.
      return { kind: 'reject', status: 0, responseBody: '', reason: opts.redact(`request not sendable: ${(err as Error).message}`), scope: 'sink' };
    }
    return { kind: 'retry', reason: opts.redact(`network error ${code}: ${err instanceof Error ? err.message : String(err)}`) };
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onCallerAbort);
  }
}

export interface SinkClient {
  /**
   * Splits entries into requests that fit the sink's limits, encoding each entry once: delivering
   * a group, or any part of it, sends those encodings (entries never planned are encoded then).
   */
  plan(entries: readonly AuditEntry[]): AuditEntry[][];
  /** Waits for one of the stream's connections first; the deadline starts once it has one. */
  deliver(entries: readonly AuditEntry[], opts?: { signal?: AbortSignal; timeoutMs?: number }): Promise<DeliveryOutcome>;
  /** The stream's credential redactor, for any other text about this sink that leaves the process. */
  redact: Redact;
  close(): Promise<void>;
}

export interface SinkClientOptions {
  /**
   * Requests in flight at once (and connections kept alive) for this stream; more deliveries wait
   * their turn. Small, since Sumo asks for few connections per source (default 2).
   */
  connections?: number;
  timeoutMs?: number;
}

/** One stream's sender: its own pool to the sink's origin, TLS verification as the sink config says. */
export function createSinkClient<C>(sink: SinkDefinition<C>, config: C, stream: StreamContext, options: SinkClientOptions = {}): SinkClient {
  const target = sink.target(config, stream);
  const redaction = redactionFor(sink, config);
  const connections = options.connections ?? 2;
  const pool = new Pool(target.url.origin, { connections, connect: { rejectUnauthorized: target.verifyTls } });
  const inTurn = createGate(connections);
  // Elements encoded while planning, by entry: a delivery, its retries and the halves of a refused
  // batch reuse them, so each entry is serialised once. Weak: they go with the batch's entries.
  const encoded = new WeakMap<AuditEntry, string>();
  return {
    plan: (entries) =>
      planEncoded(sink, config, entries, stream).map((batch) => {
        batch.entries.forEach((entry, i) => encoded.set(entry, batch.elements[i]!));
        return batch.entries;
      }),
    deliver: async (entries, opts = {}) => {
      if (entries.length === 0) return { kind: 'ok' };
      const elements = entries.map((entry) => encoded.get(entry) ?? elementOf(sink, entry, config, stream));
      const batch = await encodeBatch(sink, config, entries, stream, elements);
      return inTurn(() => sendBatch(sink, batch, { stream, dispatcher: pool, signal: opts.signal, timeoutMs: opts.timeoutMs ?? options.timeoutMs, ...redaction }));
    },
    redact: redaction.redact,
    close: () => pool.close(),
  };
}
