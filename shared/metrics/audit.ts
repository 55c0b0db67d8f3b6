import { Counter } from 'prom-client';
import { metricsRegistry } from './registry.js';

/** Counted once a batch's Kafka transaction committed: entries in ClickHouse and on audit.log. */
export const auditEntriesWritten = new Counter({
  name: 'apptrail_audit_entries_written_total',
  help: 'Audit entries written (ClickHouse insert and audit.log transaction committed)',
  registers: [metricsRegistry],
});
