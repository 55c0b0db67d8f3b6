import type { ClickHouseClient } from '@clickhouse/client';
import type { Migration } from '../clickhouse/index.js';

export const AUDIT_TABLE = 'audit_log';

/**
 * Dedup and the sort key
 * - ReplacingMergeTree collapses rows with equal ORDER BY keys, so the key must be a pure function
 *   of the entry: a redelivered or replayed event then yields the very same key. client_id comes
 *   from the event (the caller's azp), log_id from (date, event id), date is inside log_id. So
 *   (client_id, date, log_id) is as unique as log_id alone and the same on every delivery.
 * - It only collapses rows within one partition: the partition (month of `date`) is also a
 *   function of log_id, so every copy of an entry lands in the same partition.
 * - Merges happen "eventually"; reads use FINAL (query/select.ts) so copies are never visible.
 *
 * Why this order
 * - client_id first: the usual search is one application plus a time window (`client_id:X AND
 *   date:[a TO b]`), which becomes a contiguous key range. The number of callers of the
 *   management API is small, so queries without client_id still skip well on the later columns.
 * - date before log_id: a date range prunes by key within a client, and by key ranges across
 *   the few clients otherwise, on top of the monthly partitions.
 * - log_id last: the tie-break that makes the key unique; checkpoint paging (`log_id > from`)
 *   also gets a `date >=` bound derived from the id, so it prunes partitions and key ranges.
 *
 * Skip indexes cover the other frequent filters: who acted (user_id), which client was acted on
 * (target_client_id) and the event type.
 *
 * No TTL here: retention is deployment configuration and would change this migration's
 * checksum; applyRetention() sets it at start.
 */
const CREATE_AUDIT_LOG = `CREATE TABLE IF NOT EXISTS ${AUDIT_TABLE} (
  log_id String,
  date DateTime64(3, 'UTC'),
  type LowCardinality(String),
  description String,
  client_id String,
  client_name String,
  user_id String,
  user_name String,
  ip String,
  user_agent String,
  hostname LowCardinality(String),
  target_client_id String,
  target_client_name String,
  connection String,
  connection_id String,
  organization_id String,
  strategy LowCardinality(String),
  strategy_type LowCardinality(String),
  scope String,
  audience String,
  details String CODEC(ZSTD(3)),
  inserted_at DateTime64(3, 'UTC') DEFAULT now64(3),
  INDEX idx_user_id user_id TYPE bloom_filter(0.01) GRANULARITY 4,
  INDEX idx_target_client_id target_client_id TYPE bloom_filter(0.01) GRANULARITY 4,
  INDEX idx_type type TYPE set(64) GRANULARITY 4
) ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(date)
ORDER BY (client_id, date, log_id)`;

/**
 * Tamper evidence (chain.ts): each entry's place in its hash chain. Rows from before carry the
 * defaults (no chain). The skip indexes serve the verifier, which reads one chain by seq range
 * and looks a hash up when a link breaks; the sort key stays as it is, so inserts stay
 * idempotent by log_id exactly as before.
 */
const ADD_CHAIN_COLUMNS = `ALTER TABLE ${AUDIT_TABLE}
  ADD COLUMN IF NOT EXISTS chain LowCardinality(String) DEFAULT '',
  ADD COLUMN IF NOT EXISTS chain_seq UInt64 DEFAULT 0,
  ADD COLUMN IF NOT EXISTS prev_hash String DEFAULT '',
  ADD COLUMN IF NOT EXISTS hash String DEFAULT '',
  ADD INDEX IF NOT EXISTS idx_chain chain TYPE set(256) GRANULARITY 4,
  ADD INDEX IF NOT EXISTS idx_chain_seq chain_seq TYPE minmax GRANULARITY 1,
  ADD INDEX IF NOT EXISTS idx_hash hash TYPE bloom_filter(0.01) GRANULARITY 4`;

/** To append to the app's migration list (shared/migrations/index.ts). */
export const auditMigrations: Migration[] = [
  { version: 100, name: 'audit_log', up: [CREATE_AUDIT_LOG] },
  { version: 101, name: 'audit_log hash chain', up: [ADD_CHAIN_COLUMNS] },
  // The live tail (GET /api/v2/logs/stream) reads entries by insert time: a min/max per granule
  // lets it skip everything but the newest parts instead of scanning the table every poll.
  { version: 110, name: 'audit_log inserted_at index', up: [`ALTER TABLE ${AUDIT_TABLE} ADD INDEX IF NOT EXISTS idx_inserted_at inserted_at TYPE minmax GRANULARITY 1`] },
];

export const MAX_RETENTION_DAYS = 36_500;

// How both engines print the TTL that applyRetention sets (the bound value shows as a _CAST).
const CURRENT_TTL = /\bTTL toDateTime\(date\) \+ toIntervalDay\((?:_CAST\()?(\d+)\b/;

/**
 * Sets how long audit entries are kept (`null`: forever). Rows expire when ClickHouse next
 * merges their part, so expired entries may stay visible for a while after the deadline.
 *
 * Nothing is changed when the table already has this TTL: MODIFY TTL starts a mutation that
 * rewrites the table's parts, which is not something to do on every start.
 */
export async function applyRetention(client: ClickHouseClient, days: number | null): Promise<'unchanged' | 'updated'> {
  if (days !== null && (!Number.isInteger(days) || days < 1 || days > MAX_RETENTION_DAYS)) {
    throw new RangeError(`Audit retention must be a whole number of days from 1 to ${MAX_RETENTION_DAYS}, got ${days}`);
  }
  const current = await currentRetentionDays(client);
  if (current === days) return 'unchanged';
  if (days === null) {
    await client.command({ query: `ALTER TABLE ${AUDIT_TABLE} REMOVE TTL` });
  } else {
    // A bound parameter works in this ALTER on chDB 26.7 (checked); the range check above is
    // what makes the value safe either way.
    await client.command({
      query: `ALTER TABLE ${AUDIT_TABLE} MODIFY TTL toDateTime(date) + INTERVAL {days:UInt32} DAY`,
      query_params: { days },
    });
  }
  return 'updated';
}

/**
 * The retention in days the table has now, null without a TTL. A TTL this code did not write
 * reads as NaN, so applyRetention replaces it.
 */
export async function currentRetentionDays(client: ClickHouseClient): Promise<number | null> {
  const rs = await client.query({
    query: 'SELECT engine_full FROM system.tables WHERE database = currentDatabase() AND name = {table:String}',
    query_params: { table: AUDIT_TABLE },
    format: 'JSONEachRow',
  });
  const [row] = await rs.json<{ engine_full: string }>();
  if (!row) throw new Error(`Table ${AUDIT_TABLE} does not exist: run the audit migrations first`);
  if (!/\bTTL\b/.test(row.engine_full)) return null;
  const m = CURRENT_TTL.exec(row.engine_full);
  return m?.[1] === undefined ? Number.NaN : Number(m[1]);
}
