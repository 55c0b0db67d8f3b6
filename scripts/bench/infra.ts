import { mkdtempSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
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
