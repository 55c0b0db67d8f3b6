import { CompressionTypes, type Admin, type Kafka, type Producer } from 'kafkajs';
import type { ClickHouseHandle } from '../../shared/clickhouse/index.js';
import type { ClientState } from '../../shared/clients/index.js';
import {
  checkEntry, degradeEntry, describeOperation, encodedToAuditLogRecord, encodeEntry,
  entryFromRequestRecord, makeLogId, TYPE_OF_OUTCOME, parseRequestRecord, type AuditEntry, type DegradableEntry, type EncodedEntry, type RequestRecord,
} from '../../shared/audit/index.js';
import { foldedTopics, type FoldedTopic } from './folded-topics.js';
import { PoisonRecordError } from '../../shared/events/index.js';
import { StagedMap } from '../../shared/fold/staged-map.js';
import { readSnapshot, writeSnapshot } from '../../shared/fold/snapshot.js';
import {
  chunkByBytes, describeFailure, MAX_REQUEST_BYTES, messageBytes, startConsumerRunner, withKafkaRetry, type BatchContext, type ConsumedRecord, type EventProducer,
  type TopicNames,
} from '../../shared/kafka/index.js';
import { KeyHashPartitioner } from '../../shared/kafka/key-partitioner.js';
import type { Logger } from '../../shared/log/index.js';
import { insertEncoded } from './writer.js';
import { chainHeads } from './chain-heads.js';
import { auditEntriesWritten } from '../../shared/metrics/index.js';

export const DEFAULT_AUDIT_GROUP = 'apptrail-audit';

type EventRecord = ReturnType<FoldedTopic['parse']>;
type Input =
  | { kind: 'event'; rec: EventRecord }
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
  /** How often a partition's fold is snapshotted (after a committed batch); default 1 s. */
  snapshotIntervalMs?: number;
  /** Whether stop() writes the snapshots still pending (default true; false acts like a crash). */
  snapshotOnStop?: boolean;
}

/**
 * services/audit: one entry per admin action, written to ClickHouse and published to audit.log.
 *
 * - Success entries need each event's verdict and the state before it, so this consumer folds
 *   its event topics (clients.events, log-streams.events, tenant.events: folded-topics.ts) itself. On every assignment it drops the states of the
 *   partitions it was given and re-reads them from offset 0 up to the group's committed offset
 *   WITHOUT emitting: a fold from a clean slate is the only one guaranteed to match everyone
 *   else's (re-applying records over a state that already has them is not idempotent).
 * - A batch is folded onto a staged copy of the state, and the stage is committed only once the
 *   batch's entries are in ClickHouse and its Kafka transaction committed: a failed attempt leaves
 *   the state as it was, so a retry (or the same records in smaller slices, while the runner
 *   isolates a failing one) derives exactly the entries the first attempt would have.
 * - ClickHouse first (idempotent by log_id), then one Kafka transaction carries the entries to
 *   audit.log AND the consumed offsets, so an entry is published exactly when its source records
 *   count as consumed.
 * - No hole in the trail: an entry that cannot be built or validated is replaced by a degraded
 *   one at once; a record whose entry ClickHouse or Kafka refuses is isolated by the runner,
 *   dead-lettered, and still recorded by a degraded entry with the same log_id.
 */
export async function startAuditConsumer(opts: AuditConsumerOptions) {
  const groupId = opts.groupId ?? DEFAULT_AUDIT_GROUP;
  const log = opts.log.child({ role: 'audit' });
  const snapshotIntervalMs = opts.snapshotIntervalMs ?? 1000;
  const { clientEvents, auditRequests, auditLog } = opts.names;
  // Per folded event topic: its committed states (only a batch whose entries are durable moves
  // them, see Stage) and which partition each folded subject came from.
  const folds = new Map(foldedTopics(opts.names).map((d) => [d.topic, { d, states: new Map<string, unknown>(), partitionOf: new Map<string, number>() }]));
  const foldOf = (topic: string) => folds.get(topic)!;
  // Up to which offset the current assignment re-reads without emitting (`topic/partition` → offset).
  const replayUntil = new Map<string, bigint>();
  const EVENT_TOPICS = [...folds.keys()];
  // Subjects whose state changed since the partition's last snapshot (`topic/partition` → ids).
  const dirty = new Map<string, Set<string>>();
  const dirtyOf = (topic: string, partition: number) => {
    const key = `${topic}/${partition}`;
    let set = dirty.get(key);
    if (!set) dirty.set(key, (set = new Set()));
    return set;
  };
  const lastSnapshotAt = new Map<string, number>();
  // Tamper evidence: each input partition's hash chain, its committed head kept with the offsets.
  const chains = chainHeads({ admin: opts.admin, groupId });
  // What this instance last committed per partition: a stop writes the snapshots still pending.
  const committedThrough = new Map<string, bigint>();

  // One transactional producer per input partition, its id stable across restarts and instances
  // (`group.topic.partition`): whoever owns the partition next fences the previous owner and
  // aborts its open transaction at once, so a crash never leaves read_committed readers of
  // audit.log waiting for the transaction timeout.
  const producers = new Map<string, Promise<Producer>>();
  function producerFor(topic: string, partition: number): Promise<Producer> {
    const id = `${groupId}.${topic}.${partition}`;
    let p = producers.get(id);
    if (!p) {
      // Entries land where kafkajs' default partitioner would put their log_id, computed faster.
      const producer = opts.kafka.producer({ transactionalId: id, idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: KeyHashPartitioner });
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
    await chains.restore(assigned);
    for (const topic of EVENT_TOPICS) {
      const mine = new Set(assigned.filter((a) => a.topic === topic).map((a) => a.partition));
      if (mine.size === 0) continue;
      const [committed] = await withKafkaRetry(() => opts.admin.fetchOffsets({ groupId, topics: [topic] }));
      const { d, states, partitionOf: origin } = foldOf(topic);
      for (const [id, p] of origin) {
        if (mine.has(p)) {
          states.delete(id);
          origin.delete(id);
        }
      }
      for (const p of mine) dirty.delete(`${topic}/${p}`);
      // State plus a short tail: the snapshot's states, then the records from its marker on,
      // folded without emitting up to the committed offset (the gap since the last snapshot).
      const snapshot = await readSnapshot(opts.ch, topic, [...mine]);
      const from = new Map<number, bigint>();
      for (const p of mine) {
        const offset = BigInt(committed?.partitions.find((x) => x.partition === p)?.offset ?? '-1');
        const done = offset < 0n ? 0n : offset;
        // A snapshot ahead of the committed offset (the group was reset on purpose) is not ours to use.
        const through = snapshot.through.get(p) ?? 0n;
        from.set(p, through <= done ? through : 0n);
        replayUntil.set(`${topic}/${p}`, done);
        if (done > 0n) seek(topic, p, from.get(p)!.toString());
      }
      for (const s of snapshot.states) {
        if ((from.get(s.partition) ?? 0n) === 0n) continue;
        states.set(s.subject, d.load(s.state));
        origin.set(s.subject, s.partition);
      }
      log.info({ topic, partitions: [...mine], snapshot: Object.fromEntries([...from].map(([p, o]) => [p, o.toString()])), states: snapshot.states.length }, 'state for assigned partitions: snapshot plus tail');
    }
  }

  /** A batch's fold: new states held aside until the batch is durable. */
  class Stage {
    private readonly maps = new Map([...folds].map(([topic, f]) => [topic, new StagedMap(f.states)]));
    of(topic: string): StagedMap<string, unknown> {
      return this.maps.get(topic)!;
    }
    commit(partition: number): void {
      for (const [topic, staged] of this.maps) {
        for (const id of staged.keys()) {
          foldOf(topic).partitionOf.set(id, partition);
          dirtyOf(topic, partition).add(id);
        }
        staged.commit();
      }
    }
  }

  /** The entry of one record, folding it onto the stage; undefined when it makes none. */
  function entryOf(r: ConsumedRecord<Input>, stage: Stage): AuditEntry | undefined {
    const v = r.value;
    const replaying = BigInt(r.offset) < (replayUntil.get(`${r.topic}/${r.partition}`) ?? 0n);
    if (v.kind === 'event') {
      const { d } = foldOf(r.topic);
      const staged = stage.of(r.topic);
      const subject = d.subject(v.rec);
      const before = staged.get(subject);
      const { state, verdict } = d.fold(before, v.rec);
      if (verdict === 'applied' && state !== undefined) staged.set(subject, state);
      return replaying ? undefined : d.entry(v.rec, { verdict, before, after: verdict === 'applied' ? state : before });
    }
    return entryFromRequestRecord(v.id, v.time, v.data, v.data.target_client_name ?? (stage.of(clientEvents).get(v.data.target_client_id) as ClientState | undefined)?.config.name ?? '');
  }

  /** What identifies the action of a record, even when nothing else about it can be kept. */
  function skeletonOf(r: ConsumedRecord<Input>): DegradableEntry | undefined {
    const v = r.value;
    if (BigInt(r.offset) < (replayUntil.get(`${r.topic}/${r.partition}`) ?? 0n)) return undefined;
    const d = v.kind === 'event' ? foldOf(r.topic).d : undefined;
    const { meta, time, key } = v.kind === 'event' ? { meta: v.rec.meta, time: v.rec.time, key: `${d!.label}:${v.rec.id}` } : { meta: v.data.meta, time: v.time, key: `audit.requests:${v.id}` };
    const target = v.kind === 'event' ? d!.target(v.rec) : { client_id: v.data.target_client_id, status: v.data.status };
    const date = new Date(Date.parse(time)).toISOString();
    return {
      log_id: makeLogId(Date.parse(date), key),
      date,
      type: v.kind === 'request' ? TYPE_OF_OUTCOME[v.data.outcome] : 'sapi',
      description: describeOperation(meta.method, meta.path),
      client_id: meta.actorclient,
      user_id: meta.actor,
      user_name: meta.actorname,
      ip: meta.ip,
      user_agent: meta.useragent,
      target_client_id: target.client_id,
      details: { request: { method: meta.method.toLowerCase(), path: meta.path }, response: { statusCode: target.status } },
    };
  }

  /**
   * Folds records onto a fresh stage. An entry that cannot be built (a body too deep to redact)
   * or does not fit the entry schema is degraded at once: the action stays in the trail.
   */
  function derive(records: ConsumedRecord<Input>[]): { entries: EncodedEntry[]; stage: Stage; degraded: Array<{ record: ConsumedRecord<Input>; error: unknown }> } {
    const stage = new Stage();
    const entries: EncodedEntry[] = [];
    const degraded: Array<{ record: ConsumedRecord<Input>; error: unknown }> = [];
    for (const r of records) {
      let entry: AuditEntry | undefined;
      try {
        entry = entryOf(r, stage);
        if (entry) {
          // Checked and encoded once: the same text goes to ClickHouse and audit.log.
          const checked = checkEntry(entry);
          if (!checked.ok) throw new PoisonRecordError(`entry does not fit the audit entry schema: ${checked.problem}`);
          entries.push(checked.encoded);
        }
      } catch (err) {
        const skeleton = skeletonOf(r);
        if (!skeleton) continue;
        log.warn({ err, topic: r.topic, partition: r.partition, offset: r.offset, log_id: skeleton.log_id }, 'audit entry degraded: its full form cannot be built');
        entries.push(encodeEntry(degradeEntry({ ...skeleton, ...(entry ?? {}) }, describeFailure(err))));
        degraded.push({ record: r, error: err });
      }
    }
    return { entries, stage, degraded };
  }

  /** ClickHouse, then audit.log and the offsets in one transaction; then the stage becomes the state. */
  async function write(derived: EncodedEntry[], stage: Stage, ctx: BatchContext): Promise<void> {
    // Records folded again below the committed offset (the tail after a snapshot) make no entry,
    // and committing their offsets would move the group backwards.
    if (derived.length === 0 && BigInt(ctx.nextOffset) <= (replayUntil.get(`${ctx.topic}/${ctx.partition}`) ?? 0n)) {
      stage.commit(ctx.partition);
      return;
    }
    // Linked here, after every entry of the batch is final (degraded ones included), from the
    // committed head: a retry links the same entries to the same chain.
    const linked = chains.link(ctx.topic, ctx.partition, derived);
    const entries = linked.entries;
    await insertEncoded(opts.ch, entries);
    await opts.afterInsert?.();
    const producer = await producerFor(ctx.topic, ctx.partition);
    const t = await producer.transaction();
    try {
      // gzip runs off the main thread and shrinks these JSON entries ~8x, so a request can carry
      // 4x the usual uncompressed bytes and still stay well under the broker's batch limit.
      for (const messages of chunkByBytes(entries.map(encodedToAuditLogRecord), messageBytes, 4 * MAX_REQUEST_BYTES)) {
        await t.send({ topic: auditLog, acks: -1, compression: CompressionTypes.GZIP, messages });
      }
      // The chain head rides in the offset commit (kafkajs passes metadata on; its type omits it).
      const committed = { partition: ctx.partition, offset: ctx.nextOffset, metadata: linked.metadata };
      await t.sendOffsets({ consumerGroupId: ctx.groupId, topics: [{ topic: ctx.topic, partitions: [committed] }] });
      await t.commit();
    } catch (err) {
      await t.abort().catch(() => undefined);
      // Fenced or broken: the next attempt starts with a fresh producer (and fences in turn).
      await dropProducer(ctx.topic, ctx.partition);
      throw err;
    }
    auditEntriesWritten.inc(entries.length);
    linked.commit();
    stage.commit(ctx.partition);
    committedThrough.set(`${ctx.topic}/${ctx.partition}`, BigInt(ctx.nextOffset));
    await snapshot(ctx.topic, ctx.partition, BigInt(ctx.nextOffset));
  }

  /**
   * Writes the partition's changed states with the committed offset as its marker, at most once
   * per SNAPSHOT_INTERVAL_MS. Never throws: the batch is committed already, and a snapshot that
   * failed stays dirty and goes out with the next one (readers fold a longer tail meanwhile).
   */
  async function snapshot(topic: string, partition: number, through: bigint, force = false): Promise<void> {
    if (!EVENT_TOPICS.includes(topic)) return;
    const key = `${topic}/${partition}`;
    const now = Date.now();
    if (!force && now - (lastSnapshotAt.get(key) ?? 0) < snapshotIntervalMs) return;
    const ids = dirty.get(key) ?? new Set<string>();
    try {
      await writeSnapshot(opts.ch, topic, partition, through, [...ids].map((id) => [id, JSON.stringify(foldOf(topic).states.get(id))] as [string, string]));
      ids.clear();
      lastSnapshotAt.set(key, now);
    } catch (err) {
      log.warn({ err, topic, partition }, 'snapshot not written; it goes out with the next one');
    }
  }

  const runner = await startConsumerRunner<Input>({
    kafka: opts.kafka,
    groupId,
    topics: [...EVENT_TOPICS, auditRequests],
    fromBeginning: true,
    commit: 'handler',
    commitMetadata: chains.metadata,
    onAssigned,
    parse: (m, topic): Input => {
      const f = folds.get(topic);
      return f ? { kind: 'event', rec: f.d.parse(m) } : { kind: 'request', ...parseRequestRecord(m) };
    },
    handle: async (records, ctx) => {
      // Derived on every attempt from the committed state: what a failed attempt folded was
      // never committed, so each attempt yields the same entries.
      const { entries, stage, degraded } = derive(records);
      await write(entries, stage, ctx);
      // The originals of degraded entries go to the dead-letter topic for inspection.
      return { deadLetters: degraded };
    },
    // A record whose entry ClickHouse or audit.log refused: its degraded entry, same log_id.
    onPoison: async (record, error, ctx) => {
      const { entries, stage } = derive([record]);
      await write(entries.map((e) => encodeEntry(degradeEntry(e.entry, describeFailure(error)))), stage, ctx);
    },
    deadLetter: { topic: opts.names.deadLetters, producer: opts.producer },
    log,
    partitionsConsumedConcurrently: 4,
    ...(opts.sessionTimeoutMs === undefined ? {} : { sessionTimeoutMs: opts.sessionTimeoutMs }),
    fetch: { maxWaitMs: opts.fetch?.maxWaitMs ?? 200, minBytes: opts.fetch?.minBytes ?? 1, maxBytesPerPartition: opts.fetch?.maxBytesPerPartition ?? 8 * 1024 * 1024 },
  });

  return {
    ready: runner.ready,
    /** The committed chain heads this instance knows (what a checkpoint signs). */
    heads: chains.heads,
    async stop() {
      await runner.stop();
      for (const [key, through] of opts.snapshotOnStop === false ? [] : committedThrough) {
        const cut = key.lastIndexOf('/');
        if (dirty.get(key)?.size) await snapshot(key.slice(0, cut), Number(key.slice(cut + 1)), through, true);
      }
      await Promise.all([...producers.values()].map((p) => p.then((producer) => producer.disconnect()).catch(() => undefined)));
    },
  };
}
