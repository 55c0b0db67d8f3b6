import { randomUUID } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import { ClientStateStore } from '../../shared/clients/index.js';
import type { ClickHouseHandle } from '../../shared/clickhouse/index.js';
import type { Logger } from '../../shared/log/index.js';
import { CLIENT_VERSIONS_TABLE, insertVersionRows, toVersionRow, type ClientVersionRow } from '../../shared/client-history/index.js';
import { CLIENTS_TABLE, insertClientRows, toClientRow, type ClientRow, type SourcePosition } from './clients-table.js';
import { DEFAULT_PROJECTOR_GROUP, parseClientEvent } from './projector.js';

/*
 * Rebuild strategy: fold the whole topic in memory, write the result into a staging table created
 * `AS clients`, then `EXCHANGE TABLES` (atomic in an Atomic database, the default of both chDB and
 * a server) and drop the old one. Readers never see an empty or half-written table, and a replay
 * that dies half-way leaves the live table untouched; TRUNCATE + insert would give neither.
 *
 * The live projector must not run meanwhile: rows it wrote after the captured end offsets would
 * vanish with the swap, and it folds on the table's state. In embedded mode the chDB folder lock
 * already forbids it; otherwise the projector's group is checked for members before reading and
 * again before the swap. The group's committed offsets are left alone: what it redelivers up to the
 * end offsets is skipped by the source position in each row (see projector.ts).
 */

export const REPLAY_STAGING_TABLE = 'clients_replay';
/**
 * The history is rebuilt the same way, but streamed: its rows go to this staging table while the
 * topic is read (memory grows with clients, not events) and it is swapped in after the clients table.
 */
export const REPLAY_VERSIONS_STAGING_TABLE = 'client_versions_replay';

export class ReplayError extends Error {
  override name = 'ReplayError';
}

export interface ReplayOptions {
  kafka: Kafka;
  ch: Pick<ClickHouseHandle, 'client'>;
  /** The clients.events topic. */
  topic: string;
  log: Logger;
  /** The live projector's group, which must have no members while the table is rebuilt. */
  projectorGroupId?: string;
  /** Fails when no record arrives for this long while partitions are still short of their end. */
  idleTimeoutMs?: number;
  /**
   * Called once the end offsets are captured, with the number of records to read (their sum: the
   * topic starts at 0 and is written without transactions, so offsets are records); the fold then
   * reports how many it has read, as the sum of each partition's position.
   */
  progress?: (total: number) => { update(done: number): void; stop(): void };
}

export interface ReplayResult {
  topic: string;
  partitions: number;
  /** Records read, up to the end offsets captured at the start. */
  records: number;
  applied: number;
  conflicts: number;
  /** Unparsable records: skipped, as the live projector dead-letters them. */
  poison: number;
  /** Rows written: one per client, deleted ones included. */
  clients: number;
  deleted: number;
  durationMs: number;
}

const ROWS_PER_INSERT = 10_000;

export async function replayProjection(opts: ReplayOptions): Promise<ReplayResult> {
  const started = Date.now();
  const log = opts.log.child({ component: 'replay', topic: opts.topic });
  const projectorGroup = opts.projectorGroupId ?? DEFAULT_PROJECTOR_GROUP;
  const admin = opts.kafka.admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(opts.topic)) {
      throw new ReplayError(`topic ${opts.topic} does not exist (check KAFKA_BROKERS and KAFKA_TOPIC_PREFIX)`);
    }
    await assertProjectorIdle(admin, projectorGroup);

    // Captured once: records produced while we read belong to the live projector's next run.
    const ends = new Map<number, bigint>();
    for (const p of await admin.fetchTopicOffsets(opts.topic)) {
      if (BigInt(p.low) > 0n) {
        throw new ReplayError(`partition ${p.partition} of ${opts.topic} starts at offset ${p.low}: records were deleted, so the topic cannot rebuild the state (it must be retained forever)`);
      }
      ends.set(p.partition, BigInt(p.high));
    }

    const history = await openHistoryStaging(opts.ch);
    const progress = opts.progress?.([...ends.values()].reduce((sum, end) => sum + Number(end), 0));
    let folded: FoldedTopic;
    try {
      folded = await foldTopic(opts.kafka, opts.topic, ends, log, opts.idleTimeoutMs ?? 60_000, history.add, progress);
    } finally {
      progress?.stop();
    }
    await history.flush();

    await assertProjectorIdle(admin, projectorGroup);
    await assertCommittedWithin(admin, projectorGroup, opts.topic, ends);
    await swapIn(opts.ch, folded.rows, log);
    await swapInHistory(opts.ch);

    const result: ReplayResult = {
      topic: opts.topic,
      partitions: ends.size,
      records: folded.records,
      applied: folded.applied,
      conflicts: folded.conflicts,
      poison: folded.poison,
      clients: folded.rows.length,
      deleted: folded.rows.filter((r) => r.deleted).length,
      durationMs: Date.now() - started,
    };
    log.info(result, 'projection rebuilt');
    return result;
  } finally {
    await admin.disconnect();
  }
}

async function assertProjectorIdle(admin: Admin, groupId: string): Promise<void> {
  const { groups } = await admin.describeGroups([groupId]);
  const members = groups[0]?.members.length ?? 0;
  if (members > 0) {
    throw new ReplayError(`the projector (consumer group ${groupId}) is running with ${members} member(s); stop it before replaying`);
  }
}

async function assertCommittedWithin(admin: Admin, groupId: string, topic: string, ends: Map<number, bigint>): Promise<void> {
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  for (const p of committed?.partitions ?? []) {
    const end = ends.get(p.partition);
    if (end !== undefined && BigInt(p.offset) > end) {
      throw new ReplayError(`the projector (consumer group ${groupId}) went past the replay's end offset on partition ${p.partition} while it ran; stop it and replay again`);
    }
  }
}

interface FoldedTopic {
  rows: ClientRow[];
  records: number;
  applied: number;
  conflicts: number;
  poison: number;
}

/** Reads every partition from 0 to its end offset with a throw-away group that never commits. */
async function foldTopic(
  kafka: Kafka,
  topic: string,
  ends: Map<number, bigint>,
  log: Logger,
  idleTimeoutMs: number,
  onVersion: (row: ClientVersionRow) => Promise<void>,
  progress?: { update(done: number): void },
): Promise<FoldedTopic> {
  // Per partition, the offset read up to; their sum is the progress figure.
  const reached = new Map<number, number>();
  let reachedSum = 0;
  const store = new ClientStateStore();
  const positions = new Map<string, SourcePosition>();
  const out: FoldedTopic = { rows: [], records: 0, applied: 0, conflicts: 0, poison: 0 };
  const pending = new Set([...ends].filter(([, end]) => end > 0n).map(([p]) => p));

  if (pending.size > 0) {
    const groupId = `apptrail-replay-${randomUUID()}`;
    const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 100, maxBytesPerPartition: 4 * 1024 * 1024 });
    let finish!: (err?: unknown) => void;
    const done = new Promise<void>((resolve, reject) => (finish = (err) => (err === undefined ? resolve() : reject(err))));
    // Awaited below; this only keeps a failure that arrives before that await from going unhandled.
    done.catch(() => undefined);
    let lastProgress = Date.now();
    const idle = setInterval(() => {
      if (Date.now() - lastProgress > idleTimeoutMs) {
        finish(new ReplayError(`no records for ${idleTimeoutMs / 1000}s while partitions ${[...pending].join(', ')} of ${topic} were short of their end offsets`));
      }
    }, Math.min(1_000, idleTimeoutMs));
    consumer.on(consumer.events.CRASH, (e) => finish(e.payload.error));
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        // One batch at a time: the store is shared, and clients never span partitions anyway.
        partitionsConsumedConcurrently: 1,
        eachBatch: async ({ batch }) => {
          lastProgress = Date.now();
          const end = ends.get(batch.partition) ?? 0n;
          for (const message of batch.messages) {
            if (BigInt(message.offset) >= end) break;
            out.records++;
            const position = Number(message.offset) + 1;
            reachedSum += position - (reached.get(batch.partition) ?? 0);
            reached.set(batch.partition, position);
            progress?.update(reachedSum);
            let rec;
            try {
              rec = parseClientEvent(message);
            } catch {
              out.poison++;
              continue;
            }
            const { verdict, before, after } = store.apply(rec);
            if (verdict === 'applied' && after) {
              out.applied++;
              const at = { topic, partition: batch.partition, offset: message.offset };
              positions.set(rec.event.client_id, at);
              await onVersion(toVersionRow(rec, before, after, at));
            } else {
              out.conflicts++;
            }
          }
          if (BigInt(batch.lastOffset()) + 1n >= end) {
            pending.delete(batch.partition);
            if (pending.size === 0) finish();
          }
        },
      });
      await done;
    } finally {
      clearInterval(idle);
      await consumer.disconnect();
      // The group never committed anything; deleting it just keeps the group list tidy.
      const admin = kafka.admin();
      await admin.connect();
      await admin.deleteGroups([groupId]).catch((err: unknown) => log.debug({ err, groupId }, 'could not delete the replay group'));
      await admin.disconnect();
    }
  }

  for (const [clientId, at] of positions) {
    const state = store.get(clientId);
    if (state) out.rows.push(toClientRow(state, at));
  }
  out.rows.sort((a, b) => (a.client_id < b.client_id ? -1 : a.client_id > b.client_id ? 1 : 0));
  return out;
}

/** The history staging table, filled in inserts of ROWS_PER_INSERT rows as the fold produces them. */
async function openHistoryStaging(ch: Pick<ClickHouseHandle, 'client'>): Promise<{ add(row: ClientVersionRow): Promise<void>; flush(): Promise<void> }> {
  await ch.client.command({ query: `DROP TABLE IF EXISTS ${REPLAY_VERSIONS_STAGING_TABLE}` });
  await ch.client.command({ query: `CREATE TABLE ${REPLAY_VERSIONS_STAGING_TABLE} AS ${CLIENT_VERSIONS_TABLE}` });
  let buffer: ClientVersionRow[] = [];
  const flush = async () => {
    const rows = buffer;
    buffer = [];
    await insertVersionRows(ch, rows, REPLAY_VERSIONS_STAGING_TABLE);
  };
  return {
    async add(row) {
      buffer.push(row);
      if (buffer.length >= ROWS_PER_INSERT) await flush();
    },
    flush,
  };
}

async function swapInHistory(ch: Pick<ClickHouseHandle, 'client'>): Promise<void> {
  await ch.client.command({ query: `EXCHANGE TABLES ${CLIENT_VERSIONS_TABLE} AND ${REPLAY_VERSIONS_STAGING_TABLE}` });
  await ch.client.command({ query: `DROP TABLE ${REPLAY_VERSIONS_STAGING_TABLE}` });
}

async function swapIn(ch: Pick<ClickHouseHandle, 'client'>, rows: ClientRow[], log: Logger): Promise<void> {
  // A staging table left by a replay that died is stale: start it afresh.
  await ch.client.command({ query: `DROP TABLE IF EXISTS ${REPLAY_STAGING_TABLE}` });
  await ch.client.command({ query: `CREATE TABLE ${REPLAY_STAGING_TABLE} AS ${CLIENTS_TABLE}` });
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    await insertClientRows(ch, rows.slice(i, i + ROWS_PER_INSERT), REPLAY_STAGING_TABLE);
  }
  await ch.client.command({ query: `EXCHANGE TABLES ${CLIENTS_TABLE} AND ${REPLAY_STAGING_TABLE}` });
  // Now holds the previous projection; the topic can always rebuild it, so it is not kept.
  await ch.client.command({ query: `DROP TABLE ${REPLAY_STAGING_TABLE}` });
  log.debug({ rows: rows.length }, 'staging table swapped in');
}
