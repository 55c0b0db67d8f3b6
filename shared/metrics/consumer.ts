import { Counter, Gauge } from 'prom-client';
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
