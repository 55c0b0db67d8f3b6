import { createParser } from 'eventsource-parser';

/**
 * One connection to a Server-Sent Events endpoint with a bearer token and Last-Event-ID, which
 * the browser's EventSource cannot send. Reconnection is the caller's choice (the CLI reconnects,
 * tests decide when). Parsing is eventsource-parser's.
 */
export interface SseConnection {
  /** The HTTP status; for anything but 200 the stream ends at once and `errorBody` holds the answer. */
  status: number;
  errorBody?: unknown;
  retryAfterSeconds?: number;
  /** The id of the last event received (what a reconnect sends as Last-Event-ID). */
  lastEventId: string | undefined;
  /** Resolves when the server or `close()` ended the stream; rejects on a network failure mid-stream. */
  ended: Promise<void>;
  close(): void;
}

export interface SseHandlers {
  onEvent(event: { id: string | undefined; data: string }): void;
  onComment?(text: string): void;
}

export async function connectSse(url: string, opts: { token?: string; lastEventId?: string | undefined; handlers: SseHandlers }): Promise<SseConnection> {
  const abort = new AbortController();
  const headers: Record<string, string> = { accept: 'text/event-stream' };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.lastEventId !== undefined) headers['last-event-id'] = opts.lastEventId;
  // No cookie is ever needed: the token travels in a header.
  const res = await fetch(url, { headers, signal: abort.signal, credentials: 'omit' });
  const conn: SseConnection = { status: res.status, lastEventId: opts.lastEventId, ended: Promise.resolve(), close: () => abort.abort() };
  if (res.status !== 200 || !res.body) {
    const text = await res.text();
    try {
      conn.errorBody = JSON.parse(text);
    } catch {
      conn.errorBody = text;
    }
    const retry = Number(res.headers.get('retry-after'));
    if (Number.isFinite(retry) && retry > 0) conn.retryAfterSeconds = retry;
    return conn;
  }
  const parser = createParser({
    onEvent: (e) => {
      if (e.id !== undefined) conn.lastEventId = e.id;
      opts.handlers.onEvent({ id: e.id, data: e.data });
    },
    onComment: (c) => opts.handlers.onComment?.(c.trim()),
  });
  // A reader rather than `for await`: the console runs this in browsers too.
  const reader = res.body.getReader();
  conn.ended = (async () => {
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        parser.feed(decoder.decode(value, { stream: true }));
      }
    } catch (err) {
      if (abort.signal.aborted) return;
      throw err;
    }
  })();
  return conn;
}
