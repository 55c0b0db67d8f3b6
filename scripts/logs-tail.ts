/**
 * `npm run logs:tail -- --filter 'type:fapi'`: prints the audit trail live, one line per entry,
 * from GET /api/v2/logs/stream. Reconnects after any drop with Last-Event-ID, so nothing is missed
 * or shown twice; waits out a 429 or 503 as Retry-After says. Entries go to stdout, status to stderr.
 *
 *   --filter  Auth0 log search syntax (the `q` of GET /api/v2/logs); default: everything
 *   --url     base URL of the API (default http(s)://127.0.0.1:$PORT from the configuration)
 *   --token   a bearer token with read:logs (default: a local dev token, as `npm run token` makes)
 *   --from    a log_id to resume after (default: entries from now on)
 *   --json    print each entry as its JSON line instead of a summary
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../shared/config/index.js';
import { connectSse } from '../shared/http/sse-client.js';
import { makeDevToken } from './dev-token.js';

const { values } = parseArgs({
  options: {
    filter: { type: 'string' },
    url: { type: 'string' },
    token: { type: 'string' },
    from: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});

const config = loadConfig();
const base = (values.url ?? `${config.TLS_CERT_FILE ? 'https' : 'http'}://127.0.0.1:${config.PORT}`).replace(/\/+$/, '');
const token = values.token ?? (await makeDevToken(config, { scope: 'read:logs' }).catch((err: unknown) => {
  console.error(`logs:tail: ${err instanceof Error ? err.message : String(err)} (pass --token)`);
  return process.exit(2);
}));
const url = new URL(`${base}/api/v2/logs/stream`);
if (values.filter) url.searchParams.set('q', values.filter);

const text = (v: unknown) => (v === null || v === undefined ? '' : String(v));
function summary(entry: Record<string, unknown>): string {
  const target = text(entry.target_client_name) || text(entry.target_client_id);
  const status = (entry.details as { response?: { statusCode?: unknown } } | undefined)?.response?.statusCode;
  return [text(entry.date), text(entry.type).padEnd(13), status === undefined ? '   ' : text(status), text(entry.description), `by ${text(entry.user_id) || '-'}`, target ? `on ${target}` : '', text(entry.log_id)]
    .filter((part) => part !== '')
    .join('  ');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let lastEventId = values.from;
let backoffMs = 500;
for (;;) {
  let conn;
  try {
    conn = await connectSse(url.toString(), {
      token,
      lastEventId,
      handlers: {
        onEvent: (e) => {
          let entry: Record<string, unknown>;
          try {
            entry = JSON.parse(e.data) as Record<string, unknown>;
          } catch {
            entry = { log_id: e.id, description: e.data };
          }
          process.stdout.write(`${values.json ? e.data : summary(entry)}\n`);
        },
      },
    });
  } catch (err) {
    console.error(`logs:tail: cannot reach ${url.origin} (${err instanceof Error ? err.message : String(err)}); retrying`);
    await sleep(backoffMs);
    backoffMs = Math.min(10_000, backoffMs * 2);
    continue;
  }
  if (conn.status === 200) {
    backoffMs = 500;
    if (lastEventId === undefined) console.error(`logs:tail: following ${url.toString()}`);
    try {
      await conn.ended;
    } catch {
      // A dropped connection: resume below.
    }
    lastEventId = conn.lastEventId ?? lastEventId;
    console.error(`logs:tail: stream ended; resuming${lastEventId ? ` after ${lastEventId}` : ''}`);
    await sleep(backoffMs);
    continue;
  }
  if ((conn.status === 429 || conn.status === 503) && conn.retryAfterSeconds !== undefined) {
    console.error(`logs:tail: ${conn.status}, retrying in ${conn.retryAfterSeconds}s: ${JSON.stringify(conn.errorBody)}`);
    await sleep(conn.retryAfterSeconds * 1000);
    continue;
  }
  console.error(`logs:tail: ${conn.status}: ${JSON.stringify(conn.errorBody)}`);
  process.exit(1);
}
