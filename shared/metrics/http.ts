import { Histogram } from 'prom-client';
import { metricsRegistry } from './registry.js';

export const httpRequestDuration = new Histogram({
  name: 'apptrail_http_request_duration_seconds',
  help: 'HTTP request durations by method, routed URL pattern and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metricsRegistry],
});
