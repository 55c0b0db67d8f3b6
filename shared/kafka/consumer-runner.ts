import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from '../log/index.js';
import type { EventProducer } from './producer.js';
import { toDeadLetter } from './dead-letter.js';
import { backoffDelay, sleep } from '../retry/index.js';
import { classifyFailure, describeFailure, failureSignature, type FailureClass } from './failure.js';
import { DEFAULT_DLQ_LIMIT, DlqLimitState, type DlqLimit } from './dlq-limit.js';
import { processConsumerStatus, type ConsumerStatusBoard } from './consumer-status.js';
import { consumerLag, consumerPosition, deadLetters, recordsHandled } from '../metrics/index.js';

export interface ConsumedRecord<T> {
  topic: string;
  partition: number;
  offset: string;
  message: KafkaMessage;
  value: T;
}

export interface BatchContext {
  topic: string;
  partition: number;
  /** Aborted when the runner stops or the partition is revoked: give up without side effects. */
  signal: AbortSignal;
  /**
   * The offset to commit once these records are handled: the next record not yet handled. It
   * covers the dead-lettered records in between, which are always sent before.
   */
  nextOffset: string;
  groupId: string;
  /**
   * Keeps this member in its group (kafkajs heartbeats only between batches): a handler that
   * waits inside one batch for longer than the session timeout (a sink outage) must call it.
   */
  heartbeat: () => Promise<void>;
}

export interface BatchOutcome<T> {
  /** Records the handler can never process; they go to the dead-letter topic. */
  deadLetters?: Array<{ record: ConsumedRecord<T>; error: unknown }>;
}

export interface ConsumerRunnerOptions<T> {
  kafka: Kafka;
  groupId: string;
  topics: string[];
  fromBeginning?: boolean;
  /**
   * Turns a raw record into a value. A throw is classified (see failure.ts): a poison record goes
   * to the dead-letter topic, an UnsupportedEventError (newer schema) halts the partition there.
   */
  parse: (message: KafkaMessage, topic: string) => T;
  /**
   * Handles records of one partition in offset order, possibly a slice of a fetched batch (while
   * a failing record is being isolated). It must be idempotent: a retry, or the same records in
   * smaller slices, must produce exactly what one successful call would have.
   */
  handle: (records: ConsumedRecord<T>[], ctx: BatchContext) => Promise<BatchOutcome<T> | void>;
  /**
   * Called for a record isolated as deterministically failing, before its copy goes to the
   * dead-letter topic: e.g. the audit writer records a degraded entry so the action is not lost.
   * In 'handler' commit mode it commits `ctx.nextOffset` itself. If it fails too, other than
   * deterministically, the failure was never the record's: the record is retried, not dead-lettered.
   */
  onPoison?: (record: ConsumedRecord<T>, error: unknown, ctx: BatchContext) => Promise<void>;
  deadLetter: { topic: string; producer: EventProducer };
  log: Logger;
  retry?: { minMs?: number; maxMs?: number };
  /** When dead-lettering stops and the partition halts instead (default 100 in a row or 10% after 100). */
  dlqLimit?: DlqLimit;
  /** Where halted partitions are reported for readiness (default: the process-wide board). */
  status?: ConsumerStatusBoard;
  /** Failures of unknown kind: identical failures in a row before the records are treated as poison. */
  unknownFailureRepeats?: number;
  partitionsConsumedConcurrently?: number;
  /**
   * Called after every (re)assignment with the partitions this member now owns; `seek` moves a
   * partition's position (e.g. back to 0 to rebuild in-memory state before resuming).
   */
  onAssigned?: (assigned: Array<{ topic: string; partition: number }>, seek: (topic: string, partition: number, offset: string) => void) => Promise<void> | void;
  /**
   * 'runner' (default): commit after the handler resolved. 'handler': the handler commits itself,
   * e.g. inside a Kafka transaction with the records it produced (exactly-once consume-produce).
   */
  commit?: 'runner' | 'handler';
  /**
   * Metadata for the offsets the runner commits itself (records that only failed parsing, a
   * fallback that failed): a handler that keeps state in its own commits' metadata (the audit
   * writer's chain head) must not see a runner commit wipe it.
   */
  commitMetadata?: (topic: string, partition: number) => string | undefined;
  /**
   * How long a silent member (e.g. a killed process) keeps its partitions; default 10 s. A restarted
   * process joins only once its predecessor's session expired (kafkajs has no static membership),
   * so this is the restart's wait. Handlers heartbeat between attempts, and the audit output is
   * fenced per input partition, so a member evicted mid-attempt cannot commit twice.
   */
  sessionTimeoutMs?: number;
  /** Fetch shaping: the broker holds a fetch until minBytes arrived or maxWaitMs passed. */
  fetch?: { minBytes?: number; maxWaitMs?: number; maxBytesPerPartition?: number };
}

export interface ConsumerRunner {
  /** Resolves once the consumer joined its group and got its assignment. */
  ready: Promise<void>;
  /** Finishes the batch in hand, commits what was handled, leaves the group. */
  stop(): Promise<void>;
}

type SliceResult = 'done' | 'stopped' | 'halted';

/** Above the broker's group.min.session.timeout.ms (6 s by default). */
const DEFAULT_SESSION_TIMEOUT_MS = 10_000;

/**
 * Runs a consumer group with at-least-once semantics a handler can rely on, and a failure policy
 * under which no record can stop a partition unnoticed or take its neighbours with it:
 * - offsets are committed only after the handler (and any dead-lettering) succeeded, so a crash
 *   at any point means redelivery, never loss;
 * - transient failures (a dependency down) are retried in place with capped, jittered back-off
 *   for as long as it takes;
 * - deterministic failures are isolated: the batch is split in halves until the failing record
 *   stands alone; it goes to the dead-letter topic (then `onPoison`) and the partition moves on;
 * - a record this build must not skip (a newer schema version), or dead-lettering beyond the
 *   DlqLimit, halts the partition at that record: loudly, in the log and in readiness.
 */
export async function startConsumerRunner<T>(opts: ConsumerRunnerOptions<T>): Promise<ConsumerRunner> {
  const log = opts.log.child({ group: opts.groupId });
  const status = opts.status ?? processConsumerStatus;
  const limit = new DlqLimitState(opts.dlqLimit ?? DEFAULT_DLQ_LIMIT);
  const unknownRepeats = opts.unknownFailureRepeats ?? 5;
  const policy = { minMs: opts.retry?.minMs ?? 200, maxMs: opts.retry?.maxMs ?? 30_000 };
  const consumer: Consumer = opts.kafka.consumer({
    groupId: opts.groupId,
    allowAutoTopicCreation: false,
    minBytes: opts.fetch?.minBytes ?? 1,
    maxWaitTimeInMs: opts.fetch?.maxWaitMs ?? 100,
    maxBytesPerPartition: opts.fetch?.maxBytesPerPartition ?? 4 * 1024 * 1024,
    sessionTimeout: opts.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS,
    heartbeatInterval: Math.min(3_000, Math.floor((opts.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS) / 3)),
  });
  const stopping = new AbortController();
  // Partitions stopped at a record; they stay paused until the process restarts (a new build).
  const halted = new Set<string>();
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  // Batches wait until the assignment hook has run: a batch fetched before it seeked elsewhere
  // is stale and gets dropped (kafkajs fetches again from the new position).
  let assignmentSettled: Promise<void> = Promise.resolve();
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    const assigned = Object.entries(e.payload.memberAssignment).flatMap(([topic, partitions]) => partitions.map((partition) => ({ topic, partition })));
    for (const a of assigned) limit.reset(`${a.topic}/${a.partition}`);
    assignmentSettled = Promise.resolve(opts.onAssigned?.(assigned, (topic, partition, offset) => consumer.seek({ topic, partition, offset })))
      .catch((err: unknown) => log.error({ err }, 'onAssigned failed'))
      .then(() => {
        // A rebalance forgets pauses; a halted partition must stay where it stopped.
        const stillHalted = assigned.filter((a) => halted.has(`${a.topic}/${a.partition}`));
        for (const a of stillHalted) consumer.pause([{ topic: a.topic, partitions: [a.partition] }]);
        status.joined(opts.groupId);
        restarts = 0;
        markReady();
      });
  });
  // kafkajs restarts after most broker trouble by itself, but not after errors it calls
  // non-retriable that are a broker's passing state, such as no group coordinator yet on a fresh
  // broker: those the runner restarts itself, with back-off. Any other crash leaves the group
  // consuming nothing, which readiness must show rather than look healthy.
  let restarts = 0;
  let restartTimer: NodeJS.Timeout | undefined;
  consumer.on(consumer.events.CRASH, (e) => {
    const error = e.payload.error;
    // One kafkajs restarts by itself from, on a broker's passing state (e.g. a coordinator still
    // loading on a fresh broker), is no error an operator must act on: a clean start logs no ERROR.
    log[e.payload.restart && classifyFailure(error) === 'transient' ? 'warn' : 'error']({ err: error, restart: e.payload.restart }, 'consumer crashed');
    if (e.payload.restart || stopping.signal.aborted) return;
    if (classifyFailure(error) === 'transient') {
      const delay = backoffDelay(++restarts, policy);
      log.warn({ err: error, restarts, delayMs: delay }, 'restarting the consumer after a transient crash kafkajs does not restart from');
      status.startJoining(opts.groupId);
      restartTimer = setTimeout(() => {
        if (!stopping.signal.aborted) running = runConsumer();
      }, delay);
      return;
    }
    for (const topic of opts.topics) status.halt({ group: opts.groupId, topic, partition: -1, offset: '', reason: `consumer crashed and stopped: ${describeFailure(error)}` });
  });

  async function eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, heartbeat, isRunning, isStale, resolveOffset, commitOffsetsIfNecessary } = payload;
    if (batch.messages.length === 0) return;
    await assignmentSettled;
    if (!isRunning() || isStale()) return;
    const { topic, partition } = batch;
    const key = `${topic}/${partition}`;
    if (halted.has(key)) {
      consumer.pause([{ topic, partitions: [partition] }]);
      return;
    }

    // Stop requests and revocations end the waiting between attempts, never an attempt in flight:
    // a batch that completes while we stop is still committed.
    const revoked = new AbortController();
    const onStop = () => revoked.abort();
    stopping.signal.addEventListener('abort', onStop, { once: true });
    const gone = () => revoked.signal.aborted || !isRunning() || isStale();
    const ctxFor = (nextOffset: string): BatchContext => ({ topic, partition, signal: revoked.signal, nextOffset, groupId: opts.groupId, heartbeat });
    const wait = async (attempt: number) => {
      await sleep(backoffDelay(attempt, policy), revoked.signal);
      // Keep our group membership while we wait out the dependency.
      await heartbeat().catch(() => undefined);
    };
    // The next offset to commit: everything before it is handled or dead-lettered.
    const firstOffset = BigInt(batch.messages[0]!.offset);
    let handledTo = firstOffset;
    const labels = { group: opts.groupId, topic, partition: String(partition) };
    const highWatermark = BigInt(batch.highWatermark);
    const standAt = (next: bigint) => {
      consumerPosition.set(labels, Number(next));
      consumerLag.set(labels, Number(highWatermark > next ? highWatermark - next : 0n));
    };
    standAt(firstOffset);

    /**
     * Commits what is handled. A failed commit (a rebalance, the broker away) must not make the
     * handler run again for records it already handled: the next commit covers them, and if none
     * comes before a crash they are redelivered, which at-least-once allows.
     */
    async function commit(offset: string): Promise<void> {
      try {
        const metadata = opts.commitMetadata?.(topic, partition);
        await commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset, ...(metadata === undefined ? {} : { metadata }) }] }] });
      } catch (err) {
        log.warn({ err, topic, partition, offset }, 'offset commit failed; a later commit covers it');
      }
    }

    function halt(offset: string, reason: string, err?: unknown): 'halted' {
      halted.add(key);
      status.halt({ group: opts.groupId, topic, partition, offset, reason });
      consumer.pause([{ topic, partitions: [partition] }]);
      log.fatal({ topic, partition, offset, err, reason }, 'partition halted: this consumer will not move past this record (readiness fails until it is fixed and the process restarted)');
      return 'halted';
    }

    /** Sends one dead letter, within the limit; retried while the broker is away. */
    async function deadLetter(message: KafkaMessage, error: unknown): Promise<SliceResult> {
      const admitted = limit.admit(key);
      if (!admitted.ok) return halt(message.offset, `dead-letter limit: ${admitted.reason}; last error: ${describeFailure(error)}`, error);
      return sendDeadLetter(message, error);
    }

    async function sendDeadLetter(message: KafkaMessage, error: unknown): Promise<SliceResult> {
      log.warn({ topic, partition, offset: message.offset, err: error }, 'record sent to dead-letter topic');
      const record = toDeadLetter({ topic, partition, groupId: opts.groupId, message }, error);
      for (let attempt = 1; ; attempt++) {
        if (gone()) return 'stopped';
        try {
          await opts.deadLetter.producer.send(opts.deadLetter.topic, record);
          deadLetters.inc({ group: opts.groupId, topic, dead_letter_topic: opts.deadLetter.topic });
          return 'done';
        } catch (err) {
          log.warn({ err, topic, partition, offset: message.offset, attempt }, 'dead-letter topic unavailable; retrying');
          await wait(attempt);
        }
      }
    }

    /**
     * One record that fails on its own: the handler's fallback first (the audit writer's degraded
     * entry, content-free), then the dead letter. A fallback that fails too, other than
     * deterministically, shows the failure was never this record's (a hung dependency whose error
     * nobody classified): the verdict is withdrawn and the record retried, so an outage can never
     * be mistaken for poison and open a hole.
     */
    async function poison(rec: ConsumedRecord<T>, nextOffset: string, error: unknown, cls: FailureClass): Promise<SliceResult | 'withdrawn'> {
      if (cls === 'halt') return halt(rec.offset, describeFailure(error), error);
      const admitted = limit.admit(key);
      if (!admitted.ok) return halt(rec.offset, `dead-letter limit: ${admitted.reason}; last error: ${describeFailure(error)}`, error);
      let committedByFallback = false;
      if (opts.onPoison) {
        try {
          await opts.onPoison(rec, error, ctxFor(nextOffset));
          committedByFallback = opts.commit === 'handler';
        } catch (err) {
          if (classifyFailure(err) !== 'deterministic') {
            limit.withdraw(key);
            log.warn({ err, topic, partition, offset: rec.offset, isolatedBy: describeFailure(error) }, 'the fallback of an isolated record failed too: not the record\'s fault; retrying it');
            return 'withdrawn';
          }
          log.error({ err, topic, partition, offset: rec.offset }, 'fallback for a dead-lettered record failed deterministically; moving on');
        }
      }
      const sent = await sendDeadLetter(rec.message, error);
      if (sent !== 'done') return sent;
      if (!committedByFallback) await commit(nextOffset);
      return 'done';
    }

    /** Handles records (offset order) whose successor is `nextOffset`, isolating what fails for good. */
    async function handleSlice(records: ConsumedRecord<T>[], nextOffset: string, isolating: boolean): Promise<SliceResult> {
      let repeats = 0;
      let lastSignature = '';
      for (let attempt = 1; ; attempt++) {
        if (gone()) return 'stopped';
        try {
          const outcome = await opts.handle(records, ctxFor(nextOffset));
          const rejected = outcome?.deadLetters ?? [];
          for (const d of rejected) {
            const sent = await deadLetter(d.record.message, d.error);
            if (sent !== 'done') return sent;
          }
          limit.handled(key, records.length - rejected.length);
          recordsHandled.inc({ group: opts.groupId, topic }, records.length - rejected.length);
          if (opts.commit !== 'handler') await commit(nextOffset);
          return 'done';
        } catch (err) {
          const cls = classifyFailure(err);
          const signature = failureSignature(err);
          repeats = signature === lastSignature ? repeats + 1 : 1;
          lastSignature = signature;
          // Once a slice has been split, its failure is known to repeat: two alike are enough.
          const deterministic = cls === 'deterministic' || cls === 'halt' || (cls === 'unknown' && repeats >= (isolating ? 2 : unknownRepeats));
          if (!deterministic) {
            log.warn({ err, topic, partition, attempt, failure: cls, firstOffset: records[0]!.offset, records: records.length }, 'batch handler failed; retrying');
            await wait(attempt);
            continue;
          }
          if (records.length === 1) {
            const verdict = await poison(records[0]!, nextOffset, err, cls);
            if (verdict !== 'withdrawn') return verdict;
            repeats = 0;
            lastSignature = '';
            await wait(attempt);
            continue;
          }
          log.warn({ err, topic, partition, failure: cls, firstOffset: records[0]!.offset, records: records.length }, 'batch fails deterministically; splitting it to isolate the record');
          const half = Math.ceil(records.length / 2);
          const left = records.slice(0, half);
          const right = records.slice(half);
          const l = await handleSlice(left, right[0]!.offset, true);
          if (l !== 'done') return l;
          handledTo = BigInt(right[0]!.offset);
          return handleSlice(right, nextOffset, true);
        }
      }
    }

    try {
      const parsed: ConsumedRecord<T>[] = [];
      let end = BigInt(batch.lastOffset()) + 1n;
      let result: SliceResult = 'done';
      let haltAt: { offset: string; error: unknown } | undefined;
      // Records that fail parsing go out first, in order: a handler that commits inside its own
      // transaction must never commit past a record that is not yet dead-lettered.
      for (const message of batch.messages) {
        try {
          parsed.push({ topic, partition, offset: message.offset, message, value: opts.parse(message, topic) });
        } catch (error) {
          if (classifyFailure(error) === 'halt') {
            // Halted only after the records before it are handled (a pause now could stale them).
            haltAt = { offset: message.offset, error };
            end = BigInt(message.offset);
            break;
          }
          result = await deadLetter(message, error);
          if (result !== 'done') {
            end = BigInt(message.offset);
            break;
          }
        }
      }
      if (result === 'stopped') {
        log.info({ topic, partition, firstOffset: batch.firstOffset() }, 'batch left uncommitted (stopping or revoked); it will be redelivered');
        return;
      }
      if (parsed.length > 0) {
        result = await handleSlice(parsed, end.toString(), false);
        if (result === 'done') handledTo = end;
      } else {
        await commit(end.toString());
        handledTo = end;
      }
      if (result === 'stopped') log.info({ topic, partition, firstOffset: batch.firstOffset() }, 'batch left partly uncommitted (stopping or revoked); the rest will be redelivered');
      if (haltAt && result === 'done') halt(haltAt.offset, describeFailure(haltAt.error), haltAt.error);
      if (handledTo > firstOffset) {
        resolveOffset((handledTo - 1n).toString());
        standAt(handledTo);
      }
    } finally {
      stopping.signal.removeEventListener('abort', onStop);
    }
  }

  await consumer.connect();
  for (const topic of opts.topics) await consumer.subscribe({ topic, fromBeginning: opts.fromBeginning ?? true });
  // kafkajs' run() resolves only once the group is joined, and after a crash the coordinator
  // keeps the dead predecessor until its session expires: the process must not wait on that to
  // serve, so the join goes on in the background and readiness says which group is still joining.
  // (run() reports its own failures as CRASH events; a rejection here would be a kafkajs bug.)
  status.startJoining(opts.groupId);
  const runConsumer = () =>
    consumer
      .run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: opts.partitionsConsumedConcurrently ?? 3,
        eachBatch,
      })
      .catch((err: unknown) => {
        log.error({ err }, 'consumer failed to start');
        for (const topic of opts.topics) status.halt({ group: opts.groupId, topic, partition: -1, offset: '', reason: `consumer failed to start: ${describeFailure(err)}` });
      });
  let running = runConsumer();

  return {
    ready,
    async stop() {
      stopping.abort();
      // A disconnect while kafkajs is still joining leaves its runner going (the process never
      // exits): let the join finish (or fail) first.
      clearTimeout(restartTimer);
      await running;
      status.joined(opts.groupId);
      // kafkajs' disconnect waits for the batch in hand to finish before leaving the group.
      await consumer.disconnect();
      status.clear(opts.groupId);
    },
  };
}
