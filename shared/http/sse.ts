import type { ServerResponse } from 'node:http';

/**
 * A Server-Sent Events response on a raw Node response (the caller has taken it over from the
 * framework). The framing is the WHATWG one: `id:` and `data:` lines, a blank line after each
 * event, `:` comment lines for heartbeats. Writes respect back-pressure: `send` resolves once the
 * socket took the bytes or the stream closed, so a slow reader slows its own stream down instead
 * of growing this process's memory.
 */
export interface SseStream {
  /** `data` must be one line (JSON.stringify output is). */
  send(event: { id?: string; data: string }): Promise<void>;
  comment(text: string): Promise<void>;
  /** Ends the response; idempotent. */
  close(): void;
  readonly isClosed: boolean;
  /** Resolves when the stream closed, by either side. */
  readonly closed: Promise<void>;
}

export function openSse(res: ServerResponse, opts: { retryMs?: number; headers?: Record<string, string> } = {}): SseStream {
  let isClosed = false;
  let markClosed!: () => void;
  const closed = new Promise<void>((resolve) => (markClosed = resolve));
  const onGone = () => {
    if (isClosed) return;
    isClosed = true;
    markClosed();
  };
  res.on('close', onGone);
  res.on('error', onGone);
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    // nginx and the like buffer responses unless told not to.
    'x-accel-buffering': 'no',
    ...opts.headers,
  });
  res.flushHeaders();

  const write = async (chunk: string): Promise<void> => {
    if (isClosed) return;
    if (res.write(chunk)) return;
    await Promise.race([new Promise<void>((resolve) => res.once('drain', resolve)), closed]);
  };
  if (opts.retryMs !== undefined) void write(`retry: ${opts.retryMs}\n\n`);

  return {
    send: ({ id, data }) => {
      if (data.includes('\n') || data.includes('\r') || id?.includes('\n') || id?.includes('\r')) {
        throw new Error('SSE id and data must be single lines');
      }
      return write(`${id === undefined ? '' : `id: ${id}\n`}data: ${data}\n\n`);
    },
    comment: (text) => write(`: ${text.replace(/[\r\n]+/g, ' ')}\n\n`),
    close() {
      if (!isClosed) res.end();
      onGone();
    },
    get isClosed() {
      return isClosed;
    },
    closed,
  };
}
