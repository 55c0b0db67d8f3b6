import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * The process's one metrics registry. Shared code and services register their metrics here at
 * module load, so any module can count without being handed anything; `/metrics` exposes it.
 * Its own registry rather than prom-client's global one: a library that also uses prom-client
 * cannot add to (or collide with) what we expose.
 */
export const metricsRegistry = new Registry();

let runtime = false;

/**
 * Node runtime metrics (event loop lag, heap, GC, CPU, handles) under their usual names, so stock
 * Node.js dashboards work. Idempotent: prom-client refuses to register them twice.
 */
export function collectRuntimeMetrics(): void {
  if (runtime) return;
  runtime = true;
  collectDefaultMetrics({ register: metricsRegistry });
}
