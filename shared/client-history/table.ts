import type { ClickHouseHandle, Migration } from '../clickhouse/index.js';
import { toDateTime64 } from '../clickhouse/clamped-datetime.js';
import { canonicalJson } from '../json/canonical.js';
import { clientEventChanges } from '../audit/derive.js';
import type { ClientEventRecord, ClientState } from '../clients/index.js';

/** One row per applied clients.events record: a client's history, never merged away. */
export const CLIENT_VERSIONS_TABLE = 'client_versions';

/**
 * Append-only beside the `clients` table (whose ReplacingMergeTree keeps only the newest version).
 * Every column is a pure function of the applied record and the state before it, so a redelivered
 * batch, a second projector or a replay writes byte-identical rows, which the (client_id, version)
 * key collapses; readers use FINAL. `state` is the ClientState after the event as canonical JSON:
 * its secrets are the sealed values from the events, never opened. `changes` is the redacted
 * before/after of the fields the event changed (shared/audit/derive.ts, as the audit entry shows it).
 */
export const clientVersionsMigration: Migration = {
  version: 300,
  name: 'client_versions',
  up: [
    `CREATE TABLE IF NOT EXISTS ${CLIENT_VERSIONS_TABLE} (
  client_id String,
  version UInt32,
  time DateTime64(3, 'UTC'),
  event_type LowCardinality(String),
  event_id String,
  actor String,
  actor_client String,
  actor_name String,
  request_id String,
  deleted Bool,
  state String CODEC(ZSTD(3)),
  changes String CODEC(ZSTD(3)),
  kafka_topic LowCardinality(String),
  kafka_partition UInt32,
  kafka_offset UInt64
) ENGINE = ReplacingMergeTree
ORDER BY (client_id, version)`,
  ],
};

export interface ClientVersionRow {
  client_id: string;
  version: number;
  /** 'YYYY-MM-DD hh:mm:ss.sss' in UTC: the event's time. */
  time: string;
  event_type: string;
  event_id: string;
  actor: string;
  actor_client: string;
  actor_name: string;
  request_id: string;
  deleted: boolean;
  /** canonicalJson(ClientState) after the event. */
  state: string;
  /** canonicalJson(Change[]). */
  changes: string;
  kafka_topic: string;
  kafka_partition: number;
  kafka_offset: string;
}

/** The history row of an applied record; `after` is the state it produced. */
export function toVersionRow(
  rec: ClientEventRecord,
  before: ClientState | undefined,
  after: ClientState,
  source: { topic: string; partition: number; offset: string },
): ClientVersionRow {
  return {
    client_id: after.client_id,
    version: after.version,
    time: toDateTime64(rec.time),
    event_type: rec.event.type,
    event_id: rec.id,
    actor: rec.meta.actor,
    actor_client: rec.meta.actorclient,
    actor_name: rec.meta.actorname,
    request_id: rec.meta.requestid,
    deleted: after.deleted,
    state: canonicalJson(after),
    changes: canonicalJson(clientEventChanges(rec, { verdict: 'applied', before, after })),
    kafka_topic: source.topic,
    kafka_partition: source.partition,
    kafka_offset: source.offset,
  };
}

/** One insert, visible when it returns (async_insert off: the clients row written next depends on it). */
export async function insertVersionRows(ch: Pick<ClickHouseHandle, 'client'>, rows: ClientVersionRow[], table: string = CLIENT_VERSIONS_TABLE): Promise<void> {
  if (rows.length === 0) return;
  await ch.client.insert({ table, values: rows, format: 'JSONEachRow', clickhouse_settings: { async_insert: 0 } });
}
