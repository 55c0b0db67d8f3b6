import type { Migration } from '../clickhouse/index.js';
import { auditMigrations } from '../audit/table.js';
import { foldSnapshotMigration } from '../fold/snapshot.js';
import { clientVersionsMigration } from '../client-history/table.js';
import { checkpointMigration } from '../audit/checkpoint.js';

/**
 * apptrail's ClickHouse schema, in order. Applied at start by every process that talks to
 * ClickHouse; applying it twice is a no-op. Never edit an applied entry: add a new one.
 */
export const migrations: Migration[] = [
  {
    version: 1,
    name: 'clients projection',
    // Written by services/projector: one row per applied event, so a client's newest row is its
    // current state. ReplacingMergeTree(version) keeps the highest version per client_id, which
    // also makes a row written twice (redelivery, a zombie consumer, replay) invisible: readers
    // use FINAL. Deleted clients stay as rows with deleted = true, like the fold's tombstones.
    // `state` is the whole ClientState as canonical JSON (sorted keys); its secrets are the
    // sealed values from the events, never opened. The kafka_* columns name the record that
    // produced the row: the projector skips records at or before it after a redelivery.
    up: [
      `CREATE TABLE IF NOT EXISTS clients (
  client_id String,
  version UInt32,
  deleted Bool,
  name String,
  app_type LowCardinality(Nullable(String)),
  is_first_party Bool,
  created_at DateTime64(3, 'UTC'),
  updated_at DateTime64(3, 'UTC'),
  state String,
  kafka_topic LowCardinality(String),
  kafka_partition UInt32,
  kafka_offset UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY client_id`,
    ],
  },
  // audit_log (services/audit): see shared/audit/table.ts.
  ...auditMigrations,
  // fold_snapshot (written by services/audit, read by it and the API): see shared/fold/snapshot.ts.
  foldSnapshotMigration,
  // client_versions (written by services/projector beside clients, read by the API): see shared/client-history/table.ts.
  clientVersionsMigration,
  // audit_checkpoints (signed chain heads, services/audit): see shared/audit/checkpoint.ts.
  checkpointMigration,
];
