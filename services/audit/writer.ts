import type { ClickHouseHandle } from '../../shared/clickhouse/index.js';
import { AUDIT_TABLE, toAuditRow, type AuditEntry } from '../../shared/audit/index.js';

/**
 * One insert per batch. A redelivered batch inserts the same rows again; the table is a
 * ReplacingMergeTree keyed by a deterministic log_id and every read uses FINAL, so a second copy
 * is never visible. Synchronous insert: the entries are queryable when this resolves.
 */
export async function insertEntries(ch: Pick<ClickHouseHandle, 'client'>, entries: AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await ch.client.insert({
    table: AUDIT_TABLE,
    values: entries.map(toAuditRow),
    format: 'JSONEachRow',
    clickhouse_settings: { async_insert: 0 },
  });
}
