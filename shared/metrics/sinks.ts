import { Counter } from 'prom-client';
import { metricsRegistry } from './registry.js';

const labelNames = ['stream'] as const;

export const sinkDeliveries = new Counter({
  name: 'apptrail_sink_deliveries_total',
  help: 'Requests a log stream\'s sink acknowledged, by stream',
  labelNames,
  registers: [metricsRegistry],
});

export const sinkDeliveredEntries = new Counter({
  name: 'apptrail_sink_delivered_entries_total',
  help: 'Audit entries a log stream\'s sink acknowledged, by stream',
  labelNames,
  registers: [metricsRegistry],
});

export const sinkRetries = new Counter({
  name: 'apptrail_sink_retries_total',
  help: 'Requests sent again after a retryable answer (408, 429, 5xx, timeout), by stream',
  labelNames,
  registers: [metricsRegistry],
});

export const sinkFailures = new Counter({
  name: 'apptrail_sink_failures_total',
  help: 'Requests a sink did not acknowledge, by stream and outcome (retry, reject)',
  labelNames: ['stream', 'outcome'] as const,
  registers: [metricsRegistry],
});
