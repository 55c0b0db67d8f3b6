import { Counter, Gauge, Histogram } from 'prom-client';
import { processConsumerStatus } from '../kafka/consumer-status.js';
import { metricsRegistry } from './registry.js';

/** Records a consumer handled (not dead-lettered), by group and source topic. */
export const recordsHandled = new Counter({
  name: 'apptrail_consumer_records_handled_total',
  help: 'Records a consumer group handled successfully, by group and topic',
  labelNames: ['group', 'topic'] as const,
  registers: [metricsRegistry],
});

/** Records sent to a dead-letter topic, by the topic they came from and the dead-letter topic. */
export const deadLetters = new Counter({
  name: 'apptrail_dead_letters_total',
  help: 'Records sent to a dead-letter topic, by group, source topic and dead-letter topic',
  labelNames: ['group', 'topic', 'dead_letter_topic'] as const,
  registers: [metricsRegistry],
});

/**
 * Where each group stands in each partition, set as batches are handled: the next offset it will
 * handle and how far the partition's high watermark (as of the fetch) is ahead of it. A consumer
 * stuck retrying keeps showing the lag it had when the batch arrived: at least that far behind.
 */
export const consumerPosition = new Gauge({
  name: 'apptrail_consumer_position',
  help: 'Next offset a consumer group will handle, by group, topic and partition',
  labelNames: ['group', 'topic', 'partition'] as const,
  registers: [metricsRegistry],
});
export const consumerLag = new Gauge({
  name: 'apptrail_consumer_lag',
  help: 'Records between a consumer group\'s position and the high watermark of the last fetch, by group, topic and partition',
  labelNames: ['group', 'topic', 'partition'] as const,
  registers: [metricsRegistry],
});

/** How long a projection took to hold everything written before a read or readiness check asked. */
export const projectionCatchUp = new Histogram({
  name: 'apptrail_projection_catch_up_seconds',
  help: 'Time a projection took to apply everything written to its topic before the caller asked (read-your-writes reads, readiness), by topic',
  labelNames: ['topic'] as const,
  buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [metricsRegistry],
});

// Read from the same board readiness reads, at scrape time: the figures cannot drift from /readyz.
new Gauge({
  name: 'apptrail_consumer_halted_partitions',
  help: 'Partitions halted at a record this build must not skip or past the dead-letter limit, by group',
  labelNames: ['group'] as const,
  registers: [metricsRegistry],
  collect() {
    this.reset();
    for (const h of processConsumerStatus.list()) this.inc({ group: h.group });
  },
});

new Gauge({
  name: 'apptrail_consumer_groups_joining',
  help: 'Consumer groups started but not yet given their partitions',
  registers: [metricsRegistry],
  collect() {
    this.set(processConsumerStatus.listJoining().length);
  },
});
