export { metricsRegistry, collectRuntimeMetrics } from './registry.js';
export { recordsHandled, deadLetters, consumerPosition, consumerLag, projectionCatchUp } from './consumer.js';
export { auditEntriesWritten } from './audit.js';
export { sinkDeliveries, sinkDeliveredEntries, sinkRetries, sinkFailures } from './sinks.js';
export { httpRequestDuration } from './http.js';
