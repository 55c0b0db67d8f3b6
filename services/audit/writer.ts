import type { ClickHouseHandle } from '../../shared/clickhouse/index.js';
import { assertLogIdMatchesDate, AUDIT_TABLE, type AuditEntry } from '../../shared/audit/index.js';

/**
 * One insert per batch. A redelivered batch inserts the same rows again; the table is a
 * ReplacingMergeTree keyed by a deterministic log_id and every read uses FINAL, so a second copy
 * is never visible. Synchronous insert: the entries are queryable when this resolves.
 *
 * Entries go in as they are: their keys are the table's columns, ClickHouse stores the `details`
 * object as its JSON text and parses the ISO date itself. Serialising each entry once (instead of
 * details first, then the row around it) halves the encoding work on the hot path.
 */
export async function insertEntries(ch: Pick<ClickHouseHandle, 'client'>, entries: AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  for (const e of entries) assertLogIdMatchesDate(e);
  await ch.client.insert({
    table: AUDIT_TABLE,
    values: entries,
    format: 'JSONEachRow',
    clickhouse_settings: { async_insert: 0, input_format_json_read_objects_as_strings: 1, date_time_input_format: 'best_effort' },
  });
}
