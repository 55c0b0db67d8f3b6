import { connectSse, type SseConnection } from '../../../shared/http/sse-client.js';
import { apiError, apiUrl, type ApiError } from './http.js';

/**
 * An entry arrived: newest first, at most `max`, an id already listed not listed twice (the stream
 * may repeat an entry the audit writer inserted twice; it keeps its log_id).
 */
export function prependLive<T extends { log_id: string }>(list: T[], entry: T, max: number): T[] {
  return list.some((x) => x.log_id === entry.log_id) ? list : [entry, ...list].slice(0, max);
}

export type TailState = 'connecting' | 'live' | 'reconnecting' | 'closed';

export interface LiveTail {
  stop(): void;
}

const MAX_BACKOFF_MS = 15_000;

/**
 * GET /api/v2/logs/stream with the session's token (EventSource cannot send an Authorization
 * header), reconnecting with Last-Event-ID after a drop so nothing is missed or repeated. A 401
 * ends the session; any other refusal (a bad q: 400, a missing scope: 403) closes the tail with
 * the API's error, since retrying cannot help. A 429 waits for its Retry-After.
 */
export function startLiveTail(opts: {
  q: string;
  /** Where the API is: the page's own origin when left out (tests run this in Node, which needs one). */
  origin?: string;
  /** The session's token, read at each (re)connect. */
  token: () => string | undefined;
  /** A 401: the session is over. */
  onUnauthorized: (err: ApiError) => void;
  onEntry: (entry: unknown) => void;
  onState: (state: TailState, error?: ApiError) => void;
}): LiveTail {
  let stopped = false;
  let conn: SseConnection | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lastEventId: string | undefined;
  let failures = 0;

  const retry = (ms: number) => {
    if (stopped) return;
    opts.onState('reconnecting');
    timer = setTimeout(() => void connect(), ms);
  };
  const backoff = () => Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.min(failures++, 5));

  async function connect(): Promise<void> {
    const token = opts.token();
    if (stopped) return;
    if (!token) return opts.onState('closed');
    try {
      conn = await connectSse(`${opts.origin ?? ''}${apiUrl('/logs/stream', { q: opts.q || undefined })}`, {
        token,
        lastEventId,
        handlers: {
          onEvent: (e) => {
            if (e.id !== undefined) lastEventId = e.id;
            try {
              opts.onEntry(JSON.parse(e.data));
            } catch {
              // Not an entry; the stream sends entries only.
            }
          },
        },
      });
    } catch {
      return retry(backoff());
    }
    if (stopped) return conn.close();
    if (conn.status !== 200) {
      const err = apiError(conn.status, 'Error', conn.errorBody);
      if (conn.status === 401) {
        opts.onState('closed', err);
        return opts.onUnauthorized(err);
      }
      if (conn.status === 429 || conn.status >= 500) return retry(conn.retryAfterSeconds !== undefined ? conn.retryAfterSeconds * 1000 : backoff());
      return opts.onState('closed', err);
    }
    failures = 0;
    opts.onState('live');
    // The server ends streams on shutdown and the network may drop them: either way, resume.
    await conn.ended.catch(() => undefined);
    retry(backoff());
  }

  opts.onState('connecting');
  void connect();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      conn?.close();
      opts.onState('closed');
    },
  };
}
