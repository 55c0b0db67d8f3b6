import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { ClickHouseHandle } from '../../shared/clickhouse/index.js';
import { assertLogIdMatchesDate, AUDIT_TABLE, encodeEntry, type AuditEntry, type EncodedEntry } from '../../shared/audit/index.js';

/**
 * One insert per batch. A redelivered batch inserts the same rows again; the table is a
 * ReplacingMergeTree keyed by a deterministic log_id and every read uses FINAL, so a second copy
 * is never visible. Synchronous insert: the entries are queryable when this resolves.
 *
 * Entries go in as the JSON text the writer made once for both destinations (checkEntry): their
 * keys are the table's columns, ClickHouse stores the `details` object as its JSON text and parses
 * the ISO date itself. The client's insert() would stringify every row again, so the rows are
 * sent as a ready JSONEachRow body through exec(), the client's way to send a body as it is.
 */
export async function insertEncoded(ch: Pick<ClickHouseHandle, 'client'>, entries: readonly EncodedEntry[]): Promise<void> {
  if (entries.length === 0) return;
  for (const e of entries) assertLogIdMatchesDate(e.entry);
  const body = entries.map((e) => e.json).join('\n');
  const result = await ch.client.exec({
    query: `INSERT INTO ${AUDIT_TABLE} FORMAT JSONEachRow`,
    values: Readable.from([body], { objectMode: false }),
    clickhouse_settings: { async_insert: 0, input_format_json_read_objects_as_strings: 1, date_time_input_format: 'best_effort' },
  });
  // An insert answers nothing, but over HTTP the socket is only free once the answer is read.
  await finished(result.stream.resume());
}

/** insertEncoded for entries that went through AuditEntrySchema. */
export async function insertEntries(ch: Pick<ClickHouseHandle, 'client'>, entries: AuditEntry[]): Promise<void> {
  await insertEncoded(ch, entries.map(encodeEntry));
}
