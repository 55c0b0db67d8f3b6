import { CompressionTypes, type Admin, type Kafka, type Producer } from 'kafkajs';
import type { ClickHouseHandle } from '../../shared/clickhouse/index.js';
import { ClientStateStore, parseClientEventRecord, type ClientEventRecord } from '../../shared/clients/index.js';
import { entryFromClientEvent, entryFromLogStreamEvent, entryFromRequestRecord, parseRequestRecord, toAuditLogRecord, type AuditEntry, type RequestRecord } from '../../shared/audit/index.js';
import { LogStreamStore, parseLogStreamEventRecord, type LogStreamEventRecord } from '../../shared/log-streams/index.js';
import { chunkByBytes, MAX_REQUEST_BYTES, messageBytes, startConsumerRunner, withKafkaRetry, type ConsumedRecord, type EventProducer, type TopicNames } from '../../shared/kafka/index.js';
import type { Logger } from '../../shared/log/index.js';
import { insertEntries } from './writer.js';

export const DEFAULT_AUDIT_GROUP = 'apptrail-audit';

type Input =
  | { kind: 'event'; rec: ClientEventRecord }
  | { kind: 'stream'; rec: LogStreamEventRecord }
  | { kind: 'request'; id: string; time: string; data: RequestRecord };

export interface AuditConsumerOptions {
  kafka: Kafka;
  admin: Admin;
  ch: Pick<ClickHouseHandle, 'client'>;
  names: TopicNames;
  /** For dead letters; the audit.log output uses a transactional producer of its own. */
  producer: EventProducer;
  log: Logger;
  groupId?: string;
  fetch?: { maxWaitMs?: number; minBytes?: number; maxBytesPerPartition?: number };
  sessionTimeoutMs?: number;
  /** Test hook: runs between the ClickHouse insert and the Kafka transaction. */
  afterInsert?: () => Promise<void>;
}

/**
 * services/audit: one entry per admin action, written to ClickHouse and published to audit.log.
 *
 * - Success entries need each event's verdict and the state before it, so this consumer folds
 *   clients.events and log-streams.events itself. On every assignment it drops the states of the partitions it was given
 *   and re-reads them from offset 0 up to the group's committed offset WITHOUT emitting: a fold
 *   from a clean slate is the only one guaranteed to match everyone else's (re-applying records
 *   over a state that already has them is not idempotent for every event).
 * - Each batch is folded once; retries only repeat the I/O. ClickHouse first (idempotent by
 *   log_id), then one Kafka transaction carries the entries to audit.log AND the consumed offsets,
 *   so an entry is published exactly when its source records count as consumed.
 */
export async function startAuditConsumer(opts: AuditConsumerOptions) {
  const groupId = opts.groupId ?? DEFAULT_AUDIT_GROUP;
  const log = opts.log.child({ role: 'audit' });
  const { clientEvents, logStreamEvents, auditRequests, auditLog } = opts.names;
  const clients = new ClientStateStore();
  const streams = new LogStreamStore();
  // Per event topic: which partition each folded subject came from, and up to which offset the
  // current assignment re-reads without emitting (`topic/partition` → offset).
  const partitionOf = { [clientEvents]: new Map<string, number>(), [logStreamEvents]: new Map<string, number>() };
  const forget = { [clientEvents]: (id: string) => clients.delete(id), [logStreamEvents]: (id: string) => streams.delete(id) };
  const replayUntil = new Map<string, bigint>();
  const EVENT_TOPICS = [clientEvents, logStreamEvents];
  const folded = new WeakMap<object, AuditEntry[]>();

  // One transactional producer per input partition, its id stable across restarts and instances
  // (`group.topic.partition`): whoever owns the partition next fences the previous owner and
  // aborts its open transaction at once, so a crash never leaves read_committed readers of
  // audit.log waiting for the transaction timeout.
  const producers = new Map<string, Promise<Producer>>();
  function producerFor(topic: string, partition: number): Promise<Producer> {
    const id = `${groupId}.${topic}.${partition}`;
    let p = producers.get(id);
    if (!p) {
      const producer = opts.kafka.producer({ transactionalId: id, idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
      p = producer.connect().then(() => producer);
      producers.set(id, p);
      p.catch(() => producers.delete(id));
    }
    return p;
  }
  async function dropProducer(topic: string, partition: number): Promise<void> {
    const id = `${groupId}.${topic}.${partition}`;
    const p = producers.get(id);
    producers.delete(id);
    await p?.then((producer) => producer.disconnect()).catch(() => undefined);
  }

  async function onAssigned(assigned: Array<{ topic: string; partition: number }>, seek: (t: string, p: number, o: string) => void) {
    for (const topic of EVENT_TOPICS) {
      const mine = new Set(assigned.filter((a) => a.topic === topic).map((a) => a.partition));
      if (mine.size === 0) continue;
      const [committed] = await withKafkaRetry(() => opts.admin.fetchOffsets({ groupId, topics: [topic] }));
      const origin = partitionOf[topic]!;
      for (const [id, p] of origin) {
        if (mine.has(p)) {
          forget[topic]!(id);
          origin.delete(id);
        }
      }
      for (const p of mine) {
        const offset = BigInt(committed?.partitions.find((x) => x.partition === p)?.offset ?? '-1');
        replayUntil.set(`${topic}/${p}`, offset < 0n ? 0n : offset);
        if (offset > 0n) seek(topic, p, '0');
      }
      log.info({ topic, partitions: [...mine] }, 'rebuilding state for assigned partitions');
    }
  }

  function derive(records: ConsumedRecord<Input>[]): AuditEntry[] {
    const entries: AuditEntry[] = [];
    for (const r of records) {
      const v = r.value;
      const replaying = BigInt(r.offset) < (replayUntil.get(`${r.topic}/${r.partition}`) ?? 0n);
      if (v.kind === 'event') {
        const applied = clients.apply(v.rec);
        partitionOf[clientEvents]!.set(v.rec.event.client_id, r.partition);
        const entry = replaying ? undefined : entryFromClientEvent(v.rec, applied);
        if (entry) entries.push(entry);
      } else if (v.kind === 'stream') {
        const applied = streams.apply(v.rec);
        partitionOf[logStreamEvents]!.set(v.rec.event.stream_id, r.partition);
        const entry = replaying ? undefined : entryFromLogStreamEvent(v.rec, applied);
        if (entry) entries.push(entry);
      } else {
        const target = clients.get(v.data.target_client_id);
        entries.push(entryFromRequestRecord(v.id, v.time, v.data, target?.config.name ?? ''));
      }
    }
    return entries;
  }

  const runner = await startConsumerRunner<Input>({
    kafka: opts.kafka,
    groupId,
    topics: [clientEvents, logStreamEvents, auditRequests],
    fromBeginning: true,
    commit: 'handler',
    onAssigned,
    parse: (m, topic) =>
      topic === clientEvents
        ? { kind: 'event', rec: parseClientEventRecord(m) }
        : topic === logStreamEvents
          ? { kind: 'stream', rec: parseLogStreamEventRecord(m) }
          : { kind: 'request', ...parseRequestRecord(m) },
    handle: async (records, ctx) => {
      // The runner hands the same array to every retry of a batch: fold it once.
      let entries = folded.get(records);
      if (!entries) {
        entries = derive(records);
        folded.set(records, entries);
      }
      await insertEntries(opts.ch, entries);
      await opts.afterInsert?.();
      const producer = await producerFor(ctx.topic, ctx.partition);
      const t = await producer.transaction();
      try {
        // gzip runs off the main thread and shrinks these JSON entries ~8x, so a request can carry
        // 4x the usual uncompressed bytes and still stay well under the broker's batch limit.
        for (const messages of chunkByBytes(entries.map((e) => toAuditLogRecord(e)), messageBytes, 4 * MAX_REQUEST_BYTES)) {
          await t.send({ topic: auditLog, acks: -1, compression: CompressionTypes.GZIP, messages });
        }
        await t.sendOffsets({ consumerGroupId: ctx.groupId, topics: [{ topic: ctx.topic, partitions: [{ partition: ctx.partition, offset: ctx.nextOffset }] }] });
        await t.commit();
      } catch (err) {
        await t.abort().catch(() => undefined);
        // Fenced or broken: the next attempt starts with a fresh producer (and fences in turn).
        await dropProducer(ctx.topic, ctx.partition);
        throw err;
      }
    },
    deadLetter: { topic: opts.names.deadLetters, producer: opts.producer },
    log,
    partitionsConsumedConcurrently: 4,
    ...(opts.sessionTimeoutMs === undefined ? {} : { sessionTimeoutMs: opts.sessionTimeoutMs }),
    fetch: { maxWaitMs: opts.fetch?.maxWaitMs ?? 200, minBytes: opts.fetch?.minBytes ?? 1, maxBytesPerPartition: opts.fetch?.maxBytesPerPartition ?? 8 * 1024 * 1024 },
  });

  return {
    ready: runner.ready,
    async stop() {
      await runner.stop();
      await Promise.all([...producers.values()].map((p) => p.then((producer) => producer.disconnect()).catch(() => undefined)));
    },
  };
}
