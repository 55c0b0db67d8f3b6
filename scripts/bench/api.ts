/**
 * bench:api — POST /api/v2/clients per second and latency at a fixed concurrency against the real
 * broker (the full API: auth, validation, decide, produce, wait for its own projection to apply),
 * beside a bare Fastify route that only produces the same record, in the same run; then
 * GET /api/v2/clients/{id} per second with the end-offset fetches (Kafka ListOffsets requests)
 * the broker saw per read; then the memory one projection needs per 100,000 clients.
 * Aim: creates ≥ 50% of the bare route and p99 < 50 ms at concurrency 32 on a 2-core machine.
 *
 * BENCH_CPU_PROFILE=<file> writes a CPU profile of the API process there (node --cpu-prof).
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Pool } from 'undici';
import { SignJWT } from 'jose';
import { loadConfig } from '../../shared/config/index.js';
import { resolveSigningSecret } from '../../shared/auth/index.js';
import { ClientStateStore, decideCreate, generateClientId, type ClientEventRecord } from '../../shared/clients/index.js';
import { benchBrokers, fmt, percentile, printLoad } from './infra.js';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 10_000);
const WARMUP_MS = 2_000;

async function waitForHttp(url: string, child: ChildProcess, what: string): Promise<void> {
  const until = Date.now() + 90_000;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not become ready`);
}

interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** Requests answered, warm-up included. */
  total: number;
}

/** CONCURRENCY callers, each sending `next(i)` back to back; figures from the measured window only. */
async function load(origin: string, next: (i: number) => { path: string; method: 'GET' | 'POST'; headers: Record<string, string>; body?: string }, okStatus: number, onBody?: (body: string) => void): Promise<LoadResult> {
  const pool = new Pool(origin, { connections: CONCURRENCY, pipelining: 1 });
  const latencies: number[] = [];
  let errors = 0;
  let measuring = false;
  let total = 0;
  const stopAt = Date.now() + WARMUP_MS + DURATION_MS;
  setTimeout(() => (measuring = true), WARMUP_MS);
  let i = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < stopAt) {
        const started = performance.now();
        const res = await pool.request({ origin, ...next(i++) });
        if (onBody && res.statusCode === okStatus) onBody(await res.body.text());
        else await res.body.dump();
        total++;
        if (!measuring) continue;
        if (res.statusCode !== okStatus) errors++;
        latencies.push(performance.now() - started);
      }
    }),
  );
  await pool.close();
  latencies.sort((a, b) => a - b);
  return { rps: latencies.length / (DURATION_MS / 1000), p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors, total };
}

const createBody = (i: number) => JSON.stringify({ name: `bench-${i}`, app_type: 'regular_web', callbacks: ['https://bench.example.com/cb'] });
const createRequest = (path: string, headers: Record<string, string>) => (i: number) => ({ path, method: 'POST' as const, headers: { 'content-type': 'application/json', ...headers }, body: createBody(i) });

/**
 * CPU seconds a child process has used so far (user + system, /proc/<pid>/stat): per request, a
 * figure that a busy machine (2 cores shared with other work) disturbs far less than req/s.
 */
function cpuSeconds(child: ChildProcess): number {
  const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime are fields 14 and 15 of stat(5); [0] here is field 3.
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}
const CLOCK_TICKS = 100;

/** Kafka ListOffsets (API key 2): the end-offset fetches behind read-your-writes waits. */
const LIST_OFFSETS = 2;

/** Kafka requests the API process has written so far, by API key (scripts/bench/kafka-request-count.ts). */
function kafkaRequestCounts(child: ChildProcess): Promise<Record<number, number>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the API process did not report its Kafka request counts')), 5000);
    const onMessage = (m: unknown) => {
      const counts = (m as { kafkaRequestCounts?: Record<number, number> }).kafkaRequestCounts;
      if (!counts) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(counts);
    };
    child.on('message', onMessage);
    child.send('kafka-request-counts');
  });
}

function projectionMemory(clients: number): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  const sealed = `v1.00000000.${'A'.repeat(16)}.${'B'.repeat(22)}.${'C'.repeat(86)}`;
  gc();
  const before = process.memoryUsage().heapUsed;
  const store = new ClientStateStore();
  const at = new Date().toISOString();
  for (let n = 0; n < clients; n++) {
    const event = decideCreate({ name: `client ${n}`, app_type: 'regular_web', callbacks: [`https://app${n}.example.com/callback`], allowed_logout_urls: [`https://app${n}.example.com`] }, { clientId: generateClientId(), secretSealed: sealed });
    store.apply({ id: String(n), time: at, event, meta: {} as ClientEventRecord['meta'] });
  }
  gc();
  const used = process.memoryUsage().heapUsed - before;
  if (store.size !== clients) throw new Error('store lost clients');
  return used;
}

async function main(): Promise<void> {
  const infra = await benchBrokers();
  const children: ChildProcess[] = [];
  try {
    // BENCH_LOG_LEVEL=info measures the API at the production default level (its log goes to /dev/null).
    const apiLogLevel = process.env.BENCH_LOG_LEVEL ?? 'warn';
    const env = { ...process.env, KAFKA_BROKERS: infra.brokers.join(','), LOG_LEVEL: 'warn' };
    const dataDir = mkdtempSync(join(tmpdir(), 'apptrail-bench-api-'));
    const apiPort = 20000 + Math.floor(Math.random() * 20000);
    const prof = process.env.BENCH_CPU_PROFILE;
    const api = spawn(process.execPath, [...(prof ? ['--cpu-prof', '--cpu-prof-dir', dirname(resolve(prof)), '--cpu-prof-name', basename(prof)] : []), '--import', 'tsx', '--import', './scripts/bench/kafka-request-count.ts', 'services/main.ts'], {
      env: { ...env, LOG_LEVEL: apiLogLevel, ROLES: 'api', RATE_LIMIT_PER_SECOND: '0', DATA_DIR: dataDir, PORT: String(apiPort), KAFKA_TOPIC_PREFIX: `bench-${randomUUID().slice(0, 8)}.` },
      stdio: ['ignore', apiLogLevel === 'warn' ? 'inherit' : 'ignore', 'inherit', 'ipc'],
    });
    children.push(api);
    const bare = fork('scripts/bench/bare-produce-server.ts', { execArgv: ['--import', 'tsx'], env: { ...env, KAFKA_TOPIC_PREFIX: `bench-bare-${randomUUID().slice(0, 8)}.` } });
    children.push(bare);
    const barePort = await new Promise<number>((resolve) => bare.once('message', (m) => resolve((m as { port: number }).port)));
    await waitForHttp(`http://127.0.0.1:${apiPort}/readyz`, api, 'API');

    const secret = await resolveSigningSecret(loadConfig({ DATA_DIR: dataDir }));
    const tokenFor = (scope: string) => new SignJWT({ scope, azp: 'bench' }).setProtectedHeader({ alg: 'HS256' }).setSubject('bench').setAudience(loadConfig({}).AUTH_AUDIENCE).setExpirationTime('1h').sign(secret);
    const createToken = await tokenFor('create:clients');
    const readToken = await tokenFor('read:clients');

    printLoad('before');
    console.log(`concurrency ${CONCURRENCY}, ${DURATION_MS / 1000} s measured after ${WARMUP_MS / 1000} s warm-up, broker ${infra.brokers.join(',')}, API log level ${apiLogLevel}`);
    const measured = async (child: ChildProcess, run: () => Promise<LoadResult>) => {
      const cpu = cpuSeconds(child);
      const result = await run();
      return { ...result, cpuMsPerRequest: ((cpuSeconds(child) - cpu) * 1000) / result.total };
    };
    const b = await measured(bare, () => load(`http://127.0.0.1:${barePort}`, createRequest('/bare', {}), 201));
    const ids: string[] = [];
    const a = await measured(api, () =>
      load(`http://127.0.0.1:${apiPort}`, createRequest('/api/v2/clients', { authorization: `Bearer ${createToken}` }), 201, (body) => {
        if (ids.length < 10_000) ids.push((JSON.parse(body) as { client_id: string }).client_id);
      }),
    );
    const countsBefore = await kafkaRequestCounts(api);
    const fetchesBefore = countsBefore[LIST_OFFSETS] ?? 0;
    const readHeaders = { authorization: `Bearer ${readToken}` };
    const r = await measured(api, () => load(`http://127.0.0.1:${apiPort}`, (i) => ({ path: `/api/v2/clients/${ids[i % ids.length]}`, method: 'GET', headers: readHeaders }), 200));
    const countsAfter = await kafkaRequestCounts(api);
    const fetches = (countsAfter[LIST_OFFSETS] ?? 0) - fetchesBefore;
    if (process.env.BENCH_KAFKA_REQUESTS) console.log('Kafka requests by API key, creates then reads:', JSON.stringify(countsBefore), JSON.stringify(countsAfter));
    const row = (name: string, x: LoadResult & { cpuMsPerRequest: number }) =>
      console.log(`${name.padEnd(44)}: ${fmt(x.rps).padStart(7)} req/s  p50 ${fmt(x.p50, 1).padStart(6)} ms  p99 ${fmt(x.p99, 1).padStart(6)} ms  errors ${x.errors}  CPU ${fmt(x.cpuMsPerRequest, 3)} ms/request`);
    row('bare Fastify route producing the record', b);
    row('POST /api/v2/clients (full API)', a);
    console.log(`ratio API/bare: ${fmt((a.rps / b.rps) * 100, 1)}% of throughput, ${fmt((b.cpuMsPerRequest / a.cpuMsPerRequest) * 100, 1)}% by CPU per request; target >= 50% and p99 < 50 ms`);
    row('GET /api/v2/clients/{id} (full API)', r);
    console.log(`end-offset fetches (ListOffsets requests) the broker saw during the reads: ${fetches} for ${r.total} reads = ${fmt(fetches / r.total, 3)} per read`);
    printLoad('after');

    const bytes = projectionMemory(100_000);
    console.log(`projection memory: ${fmt(bytes / 1048576, 1)} MiB per 100,000 clients (${fmt(bytes / 100_000)} bytes/client)`);
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))));
    await infra.stop();
  }
}

await main();
