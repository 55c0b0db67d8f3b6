import type { ClickHouseHandle, Migration } from '../clickhouse/index.js';

/**
 * Snapshots of the in-memory folds (clients, log streams), so a reader starts from state plus a
 * short tail instead of folding the topic from offset 0: start-up and rebalance cost grow with
 * state, not history.
 *
 * Written by the audit service, whose fold is exactly what it committed: after each Kafka
 * transaction it (now and then) writes the states that changed in a partition since its last
 * snapshot, together with a marker saying "complete through offset N" for that partition, in ONE
 * insert. A snapshot is therefore always a consistent fold of the partition's records below N,
 * never ahead of the committed offset. Readers (the audit service on assignment, every API
 * instance at start) load the states and the markers, then fold from N onwards.
 *
 * Why a ClickHouse table rather than a compacted topic: the marker and the states must appear
 * together or not at all; one insert into a ReplacingMergeTree gives that, while a reader of a
 * compacted topic could not tell which records belong to one complete snapshot. Rows per subject
 * are replaced by later flushes (version = the marker's offset), so the table holds one row per
 * client and one marker per partition: its size grows with state only. Secrets stay sealed: the
 * states are the folds' own, which hold only sealed values.
 */
export const FOLD_SNAPSHOT_TABLE = 'fold_snapshot';

export const foldSnapshotMigration: Migration = {
  version: 200,
  name: 'fold snapshots',
  up: [
    `CREATE TABLE IF NOT EXISTS ${FOLD_SNAPSHOT_TABLE} (
  topic LowCardinality(String),
  partition UInt32,
  subject String,
  through UInt64,
  state String
) ENGINE = ReplacingMergeTree(through)
ORDER BY (topic, partition, subject)`,
  ],
};

/** The marker row of a partition has no subject. */
const MARKER = '';

export interface Snapshot {
  /** Per partition: every record below this offset is folded into `states`. */
  through: Map<number, bigint>;
  /** Subject (client or stream id) → its state as JSON, with the partition it belongs to. */
  states: Array<{ partition: number; subject: string; state: string }>;
}

/** The snapshot of some partitions of a topic (all when `partitions` is absent). */
export async function readSnapshot(ch: Pick<ClickHouseHandle, 'client'>, topic: string, partitions?: number[]): Promise<Snapshot> {
  const out: Snapshot = { through: new Map(), states: [] };
  if (partitions?.length === 0) return out;
  const rs = await ch.client.query({
    query: `SELECT partition, subject, through, state FROM ${FOLD_SNAPSHOT_TABLE} FINAL WHERE topic = {topic:String}${partitions ? ' AND partition IN {partitions:Array(UInt32)}' : ''}`,
    query_params: { topic, ...(partitions ? { partitions } : {}) },
    format: 'JSONEachRow',
  });
  // Streamed: the whole result as one text and as objects at once would double the memory of a
  // large snapshot.
  for await (const rows of rs.stream<{ partition: number; subject: string; through: string; state: string }>()) {
    for (const row of rows) {
      const r = row.json();
      const partition = Number(r.partition);
      if (r.subject === MARKER) out.through.set(partition, BigInt(r.through));
      else out.states.push({ partition, subject: r.subject, state: r.state });
    }
  }
  // States of a partition without a marker belong to no complete snapshot.
  out.states = out.states.filter((s) => out.through.has(s.partition));
  return out;
}

/** States changed in one partition, and the offset the partition is complete through: one insert. */
export async function writeSnapshot(ch: Pick<ClickHouseHandle, 'client'>, topic: string, partition: number, through: bigint, states: Iterable<[subject: string, state: string]>): Promise<void> {
  const rows: Array<{ topic: string; partition: number; subject: string; through: string; state: string }> = [];
  for (const [subject, state] of states) rows.push({ topic, partition, subject, through: through.toString(), state });
  rows.push({ topic, partition, subject: MARKER, through: through.toString(), state: '' });
  await ch.client.insert({ table: FOLD_SNAPSHOT_TABLE, values: rows, format: 'JSONEachRow', clickhouse_settings: { async_insert: 0 } });
}
