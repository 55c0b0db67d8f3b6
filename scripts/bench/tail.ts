/**
 * bench:tail: freshness of the live tail, from the API's 2xx to the entry arriving on
 * GET /api/v2/logs/stream, at 200 commands/s (creates) for BENCH_TAIL_SECONDS (default 15), in
 * the configuration `npm start` uses (api and audit roles in one process, chDB, the default
 * LOGS_STREAM_* settings unless set). Baseline from the same run: a client polling the checkpoint
 * API (GET /api/v2/logs?from=&take=100) back to back, i.e. when the entry became readable at all.
 * Also counts entries the stream missed or sent twice. Aim: stream p99 < 1 s.
 */
import { Pool } from 'undici';
import { loadConfig } from '../../shared/config/index.js';
import { connectSse } from '../../shared/http/sse-client.js';
import { makeDevToken } from '../dev-token.js';
import { benchBrokers, createClientsAtRate, startBenchApp, fmt, percentile, pollLogCheckpoints, printLoad } from './infra.js';

const RATE = 200;
const SECONDS = Number(process.env.BENCH_TAIL_SECONDS ?? 15);

function lagsOf(acked: Map<string, number>, seen: Map<string, number>): { p50: number; p99: number; max: number; missing: number } {
  const lags = [...acked].map(([id, t]) => (seen.get(id) ?? Number.POSITIVE_INFINITY) - t).sort((a, b) => a - b);
  return { p50: percentile(lags, 50), p99: percentile(lags, 99), max: lags.at(-1) ?? Number.NaN, missing: lags.filter((l) => !Number.isFinite(l)).length };
}

async function main(): Promise<void> {
  printLoad('before');
  const infra = await benchBrokers();
  const app = await startBenchApp(infra.brokers, 'tail');
  try {
    const { origin, dataDir } = app;
    const config = loadConfig({ ...process.env, DATA_DIR: dataDir });
    const token = await makeDevToken(config, { scope: 'create:clients read:logs', clientId: 'bench-tail' });
    const pool = new Pool(origin, { connections: 16 });
    const acked = new Map<string, number>();
    const onStream = new Map<string, number>();
    const polled = new Map<string, number>();
    let duplicates = 0;
    const stream = await connectSse(`${origin}/api/v2/logs/stream?q=${encodeURIComponent('type:sapi')}`, {
      token,
      handlers: {
        onEvent: (e) => {
          const now = performance.now();
          const id = (JSON.parse(e.data) as { target_client_id: string }).target_client_id;
          if (onStream.has(id)) duplicates++;
          else onStream.set(id, now);
        },
      },
    });
    if (stream.status !== 200) throw new Error(`stream: ${stream.status} ${JSON.stringify(stream.errorBody)}`);
    stream.ended.catch(() => undefined);

    // Set once the sends are done; the poller reads it meanwhile.
    const stopped: { at?: number } = {};
    const poller = pollLogCheckpoints(pool, token, polled, { done: () => [...acked.keys()].every((id) => polled.has(id)), stoppedAt: () => stopped.at });
    const sentIn = await createClientsAtRate(pool, token, { rate: RATE, seconds: SECONDS, name: 'tail', acked });
    stopped.at = performance.now();
    await poller;
    // Stragglers on the stream: give it the same 10 s grace as the poller.
    while (![...acked.keys()].every((id) => onStream.has(id)) && performance.now() - stopped.at < 10_000) await new Promise((r) => setTimeout(r, 20));
    stream.close();
    await pool.close();

    const s = lagsOf(acked, onStream);
    const p = lagsOf(acked, polled);
    console.log(`commands                        : ${fmt(acked.size)} creates in ${fmt(sentIn, 1)} s (${fmt(acked.size / sentIn)}/s)`);
    console.log(`live tail (SSE) freshness       : p50 ${fmt(s.p50)} ms, p99 ${fmt(s.p99)} ms, max ${fmt(s.max)} ms; ${s.missing} missing, ${duplicates} duplicates (aim p99 < 1,000 ms)`);
    console.log(`baseline: checkpoint polling    : p50 ${fmt(p.p50)} ms, p99 ${fmt(p.p99)} ms, max ${fmt(p.max)} ms, ${p.missing} never returned (GET /logs?from=&take=100 back to back: log_id order skips entries committed later than a newer one)`);
    console.log(`settings                        : stream poll ${config.LOGS_STREAM_POLL_MS} ms, settle ${config.LOGS_STREAM_SETTLE_MS} ms; checkpoint horizon ${config.LOGS_CHECKPOINT_HORIZON_MS} ms (LOGS_CHECKPOINT_HORIZON_MS)`);
  } finally {
    await app.stop();
    await infra.stop();
    printLoad('after');
  }
}

await main();
process.exit(0);
