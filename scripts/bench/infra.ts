import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pool } from 'undici';
import { startLocalBroker } from '../../shared/kafka/local-broker.js';

/** Brokers for a benchmark: KAFKA_BROKERS, or a local broker on a fresh data folder for this run. */
export async function benchBrokers(): Promise<{ brokers: string[]; stop: () => Promise<void> }> {
  if (process.env.KAFKA_BROKERS) return { brokers: process.env.KAFKA_BROKERS.split(','), stop: async () => undefined };
  const port = Number(process.env.KAFKA_PORT ?? 9092);
  const broker = await startLocalBroker({ port, dataDir: mkdtempSync(join(tmpdir(), 'apptrail-bench-kafka-')), log: (l) => console.error(l) });
  return { brokers: broker.brokers, stop: () => broker.stop() };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/**
 * The 1/5/15-minute load average, printed before and after each benchmark: on a 2-core machine a
 * figure taken while something else runs is not comparable, and the reader should be able to see so.
 */
export function loadAverage(): string {
  return loadavg().map((l) => l.toFixed(2)).join(' / ');
}

export function printLoad(when: 'before' | 'after'): void {
  console.log(`load average ${when}: ${loadAverage()} (1/5/15 min, ${availableParallelism()} cores)`);
}

/**
 * BENCH_CPU_PROFILE=<file>: a V8 CPU profile of this process's main thread while `run` runs (a
 * .cpuprofile for Chrome DevTools or speedscope). Unset: just runs it.
 */
export async function withCpuProfile<T>(run: () => Promise<T>, file = process.env.BENCH_CPU_PROFILE): Promise<T> {
  if (!file) return run();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
  await session.post('Profiler.start');
  try {
    return await run();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
    console.log(`cpu profile written to ${file}`);
  }
}

/**
 * Creates clients through the API at a fixed rate (not as fast as it answers: freshness is
 * measured at a given load), recording in `acked` when each create was answered. Resolves with
 * the seconds the sends took.
 */
export async function createClientsAtRate(pool: Pool, token: string, opts: { rate: number; seconds: number; name: string; acked: Map<string, number> }): Promise<number> {
  const start = performance.now();
  const sends: Promise<void>[] = [];
  for (let i = 0; i < opts.rate * opts.seconds; i++) {
    const wait = start + (i * 1000) / opts.rate - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    sends.push((async () => {
      const res = await pool.request({ path: '/api/v2/clients', method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: `${opts.name} ${i}` }) });
      const body = (await res.body.json()) as { client_id: string };
      opts.acked.set(body.client_id, performance.now());
    })());
  }
  await Promise.all(sends);
  return (performance.now() - start) / 1000;
}

/**
 * Reads new entries back to back through GET /api/v2/logs checkpoint paging, recording in `seen`
 * when each target client's entry was first returned, until `done()` says so or 10 s after
 * `stoppedAt()` (the stragglers' grace).
 */
export async function pollLogCheckpoints(pool: Pool, token: string, seen: Map<string, number>, opts: { done: () => boolean; stoppedAt: () => number | undefined }): Promise<void> {
  let from: string | undefined;
  for (;;) {
    const stoppedAt = opts.stoppedAt();
    if (stoppedAt !== undefined && (opts.done() || performance.now() - stoppedAt > 10_000)) return;
    const res = await pool.request({ path: `/api/v2/logs?take=100${from ? `&from=${from}` : ''}`, method: 'GET', headers: { authorization: `Bearer ${token}` } });
    const page = (await res.body.json()) as Array<{ log_id: string; target_client_id: string }>;
    const now = performance.now();
    for (const e of page) if (!seen.has(e.target_client_id)) seen.set(e.target_client_id, now);
    if (page.length > 0) from = page.at(-1)!.log_id;
    else await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * `services/main.ts` with the api and audit roles as a child process on a fresh data folder and
 * topic prefix, resolved once /readyz answers 200 (the whole process, as `npm start` runs it).
 */
export async function startBenchApp(brokers: string[], name: string, env: Record<string, string> = {}): Promise<{ origin: string; dataDir: string; stop: () => Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), `apptrail-bench-${name}-`));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn(process.execPath, ['--import', 'tsx', 'services/main.ts'], {
    env: { ...process.env, ROLES: 'api,audit', RATE_LIMIT_PER_SECOND: '0', KAFKA_BROKERS: brokers.join(','), KAFKA_TOPIC_PREFIX: `${name}-${randomUUID().slice(0, 8)}.`, DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise((r) => child.once('exit', r));
  const stop = async () => {
    child.kill('SIGTERM');
    await exited;
  };
  const origin = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; ; i++) {
      if (i > 300) throw new Error('the app did not become ready within 60 s');
      if ((await fetch(`${origin}/readyz`).catch(() => undefined))?.status === 200) break;
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { origin, dataDir, stop };
}
