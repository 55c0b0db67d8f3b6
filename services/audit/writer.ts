import { Readable } from 'node:stream';
import type { ClickHouseHandle } from '../../shared/clickhouse/index.js';
import { assertLogIdMatchesDate, AUDIT_ROW_COLUMNS, AUDIT_TABLE, CHAIN_COLUMNS, encodeEntry, UNCHAINED_ROW_SUFFIX, type AuditEntry, type EncodedEntry } from '../../shared/audit/index.js';

/**
 * One insert per batch. A redelivered batch inserts the same rows again; the table is a
 * ReplacingMergeTree keyed by a deterministic log_id and every read uses FINAL, so a second copy
 * is never visible. Synchronous insert: the entries are queryable when this resolves.
 *
 * Entries go in as the TabSeparated rows the writer encoded once (checkEntry), as one text body:
 * no row is encoded again here, and the engine reads text fields faster than JSON objects.
 */
export async function insertEncoded(ch: Pick<ClickHouseHandle, 'client'>, entries: readonly EncodedEntry[]): Promise<void> {
  if (entries.length === 0) return;
  for (const e of entries) assertLogIdMatchesDate(e.entry);
  await ch.client.insert({
    table: AUDIT_TABLE,
    columns: [...AUDIT_ROW_COLUMNS, ...CHAIN_COLUMNS],
    format: 'TabSeparated',
    // A linked entry's row ends in its link (chain.ts); an unlinked one belongs to no chain.
    values: Readable.from([`${entries.map((e) => (e.link ? e.row : e.row + UNCHAINED_ROW_SUFFIX)).join('\n')}\n`], { objectMode: false }),
    clickhouse_settings: { async_insert: 0 },
  });
}

/** insertEncoded for entries that fit AuditEntrySchema. */
export async function insertEntries(ch: Pick<ClickHouseHandle, 'client'>, entries: AuditEntry[]): Promise<void> {
  await insertEncoded(ch, entries.map(encodeEntry));
}
