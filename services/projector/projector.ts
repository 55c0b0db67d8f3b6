import type { Kafka } from 'kafkajs';
import { apply, parseClientEventRecord, type ClientEventRecord } from '../../shared/clients/index.js';
import type { ClickHouseHandle } from '../../shared/clickhouse/index.js';
import { startConsumerRunner, type ConsumedRecord, type EventProducer } from '../../shared/kafka/index.js';
import type { Logger } from '../../shared/log/index.js';
import { insertVersionRows, toVersionRow, type ClientVersionRow } from '../../shared/client-history/index.js';
import { insertClientRows, readStoredClients, toClientRow, type ClientRow, type SourcePosition, type StoredClient } from './clients-table.js';

/*
 * Where the fold's previous state comes from: the clients table itself, read per batch for the
 * clients in that batch, not an in-memory map loaded once at start.
 *
 * A map loaded at start is only right while this instance owns every partition it has ever seen.
 * With two instances in the group, a partition that moves from A to B and back finds A's map stale
 * by whatever B applied meanwhile, and every later event of those clients is judged a conflict.
 * The table is always at least as new as the committed offset (rows are inserted before the
 * commit), whoever wrote it, so reading it per batch is right after any restart or rebalance,
 * and start-up does not have to load every client. The price is one small FINAL query per batch.
 *
 * Redelivery (a crash after the insert, before the commit) is made exactly a no-op by the source
 * position stored in each row: a record at or before the offset that produced the client's row is
 * skipped. Relying on the fold's verdicts is not enough: an event carrying a version from the
 * future (a conflict when first seen) applies when judged again after the client reached that
 * version, and with field-level concurrency an older-version update touching no field (an empty
 * PATCH) applies again on top of itself; either way the table would diverge from a replay (both
 * cases are in the tests). Records after the stored position are folded again: all of that
 * client's records between the row and them were conflicts against the same state, so they are
 * judged exactly as the first time (the fold is pure).
 */

export const DEFAULT_PROJECTOR_GROUP = 'apptrail-projector';

export interface ProjectorOptions {
  kafka: Kafka;
  ch: Pick<ClickHouseHandle, 'client'>;
  topics: { clientEvents: string; deadLetters: string };
  /** Sends unparsable records to topics.deadLetters. */
  producer: EventProducer;
  log: Logger;
  groupId?: string;
  /** Back-off while ClickHouse is failing (defaults of the consumer runner: 200 ms … 30 s). */
  retry?: { minMs?: number; maxMs?: number };
}

export interface Projector {
  /** Resolves once the consumer joined its group. */
  ready: Promise<void>;
  /** Finishes and commits the batch in hand, then leaves the group. */
  stop(): Promise<void>;
}

/** The one parse both the live projector and replay use, so both skip exactly the same records. */
export const parseClientEvent = parseClientEventRecord;

export interface FoldedBatch {
  /** One row per applied event, in offset order. */
  rows: ClientRow[];
  /** The same events' history rows (client_versions), in the same order. */
  versions: ClientVersionRow[];
  applied: number;
  conflicts: number;
  /** Records already in the table (redelivered). */
  skipped: number;
}

type PositionedRecord = Pick<ConsumedRecord<ClientEventRecord>, 'topic' | 'partition' | 'offset' | 'value'>;

/** True when the client's stored row was produced by this record or a later one of its partition. */
export function alreadyProjected(stored: StoredClient | undefined, at: SourcePosition): boolean {
  return stored !== undefined && stored.source.topic === at.topic && stored.source.partition === at.partition && BigInt(at.offset) <= BigInt(stored.source.offset);
}

/** Folds one partition's records (offset order) onto the stored states; pure. */
export function foldBatch(stored: ReadonlyMap<string, StoredClient>, records: PositionedRecord[], log?: Logger): FoldedBatch {
  const current = new Map(stored);
  const out: FoldedBatch = { rows: [], versions: [], applied: 0, conflicts: 0, skipped: 0 };
  for (const rec of records) {
    const { event, time } = rec.value;
    const at: SourcePosition = { topic: rec.topic, partition: rec.partition, offset: rec.offset };
    const before = current.get(event.client_id);
    if (alreadyProjected(before, at)) {
      out.skipped++;
      continue;
    }
    const { state, verdict } = apply(before?.state, event, time);
    if (verdict === 'conflict' || !state) {
      out.conflicts++;
      // Normal when two commands raced: the API answered the loser with a retry or a 409.
      log?.debug({ client_id: event.client_id, type: event.type, expected_version: event.expected_version, version: before?.state.version, offset: rec.offset }, 'conflict: event changes nothing');
      continue;
    }
    current.set(state.client_id, { state, source: at });
    out.rows.push(toClientRow(state, at));
    out.versions.push(toVersionRow(rec.value, before?.state, state, at));
    out.applied++;
  }
  return out;
}

/**
 * Materialises clients.events into the clients table and the client_versions history. Per
 * partition batch: read the batch's clients from the table, fold, insert one history row and one
 * clients row per applied event (one insert per table); the runner commits
 * after that. ClickHouse down → the read or insert throws → the runner retries the same batch with
 * back-off, nothing committed, nothing lost. An unparsable record → the runner's dead-letter topic.
 */
export async function startProjector(opts: ProjectorOptions): Promise<Projector> {
  const groupId = opts.groupId ?? DEFAULT_PROJECTOR_GROUP;
  const log = opts.log.child({ component: 'projector' });
  const runner = await startConsumerRunner<ClientEventRecord>({
    kafka: opts.kafka,
    groupId,
    topics: [opts.topics.clientEvents],
    fromBeginning: true,
    parse: (message) => parseClientEvent(message),
    async handle(records, ctx) {
      const stored = await readStoredClients(opts.ch, records.map((r) => r.value.event.client_id));
      const batch = foldBatch(stored, records, log);
      // History first: a redelivery skips records at or before the clients row's position, so the
      // versions must be in before that row is; a retry after a failed clients insert rewrites
      // identical version rows, which the table's key collapses.
      await insertVersionRows(opts.ch, batch.versions);
      await insertClientRows(opts.ch, batch.rows);
      log.debug({ partition: ctx.partition, records: records.length, applied: batch.applied, conflicts: batch.conflicts, skipped: batch.skipped }, 'batch projected');
    },
    deadLetter: { topic: opts.topics.deadLetters, producer: opts.producer },
    log,
    ...(opts.retry ? { retry: opts.retry } : {}),
  });
  log.info({ groupId, topic: opts.topics.clientEvents }, 'projector started');
  return {
    ready: runner.ready,
    async stop() {
      await runner.stop();
      log.info({ groupId }, 'projector stopped');
    },
  };
}
