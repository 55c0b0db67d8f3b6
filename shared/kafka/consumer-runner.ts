import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from '../log/index.js';
import type { EventProducer } from './producer.js';
import { toDeadLetter } from './dead-letter.js';
import { backoffDelay, sleep } from '../retry/index.js';

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
  /** The offset to commit once this whole batch is handled (its last offset + 1). */
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
  /** Turns a raw record into a value; a throw sends the record to the dead-letter topic. */
  parse: (message: KafkaMessage, topic: string) => T;
  /** Handles one partition's batch in offset order; a throw is retried with capped back-off. */
  handle: (records: ConsumedRecord<T>[], ctx: BatchContext) => Promise<BatchOutcome<T> | void>;
  deadLetter: { topic: string; producer: EventProducer };
  log: Logger;
  retry?: { minMs?: number; maxMs?: number };
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
  /** How long a silent member (e.g. a killed process) keeps its partitions; default 30 s. */
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

/**
 * Runs a consumer group with at-least-once semantics a handler can rely on:
 * offsets are committed only after the handler (and any dead-lettering) succeeded, so a crash
 * at any point means redelivery, never loss. Handler failures are retried in place with capped,
 * jittered back-off (ClickHouse or a sink being down must not skip records); records that fail
 * parsing go to the dead-letter topic with their original bytes and the partition moves on.
 */
export async function startConsumerRunner<T>(opts: ConsumerRunnerOptions<T>): Promise<ConsumerRunner> {
  const log = opts.log.child({ group: opts.groupId });
  const consumer: Consumer = opts.kafka.consumer({
    groupId: opts.groupId,
    allowAutoTopicCreation: false,
    minBytes: opts.fetch?.minBytes ?? 1,
    maxWaitTimeInMs: opts.fetch?.maxWaitMs ?? 100,
    maxBytesPerPartition: opts.fetch?.maxBytesPerPartition ?? 4 * 1024 * 1024,
    sessionTimeout: opts.sessionTimeoutMs ?? 30_000,
    heartbeatInterval: Math.min(3_000, Math.floor((opts.sessionTimeoutMs ?? 30_000) / 3)),
  });
  const stopping = new AbortController();
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  // Batches wait until the assignment hook has run: a batch fetched before it seeked elsewhere
  // is stale and gets dropped (kafkajs fetches again from the new position).
  let assignmentSettled: Promise<void> = Promise.resolve();
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    const assigned = Object.entries(e.payload.memberAssignment).flatMap(([topic, partitions]) => partitions.map((partition) => ({ topic, partition })));
    assignmentSettled = Promise.resolve(opts.onAssigned?.(assigned, (topic, partition, offset) => consumer.seek({ topic, partition, offset })))
      .catch((err: unknown) => log.error({ err }, 'onAssigned failed'))
      .then(() => markReady());
  });
  consumer.on(consumer.events.CRASH, (e) => log.error({ err: e.payload.error, restart: e.payload.restart }, 'consumer crashed'));

  async function sendDeadLetters(topic: string, partition: number, dead: Array<{ message: KafkaMessage; error: unknown }>): Promise<void> {
    for (const d of dead) {
      log.warn({ topic, partition, offset: d.message.offset, err: d.error }, 'record sent to dead-letter topic');
      await opts.deadLetter.producer.send(opts.deadLetter.topic, toDeadLetter({ topic, partition, groupId: opts.groupId, message: d.message }, d.error));
    }
  }

  async function eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, heartbeat, isRunning, isStale, resolveOffset, commitOffsetsIfNecessary } = payload;
    if (batch.messages.length === 0) return;
    await assignmentSettled;
    if (!isRunning() || isStale()) return;
    const { topic, partition } = batch;
    const parsed: ConsumedRecord<T>[] = [];
    const dead: Array<{ message: KafkaMessage; error: unknown }> = [];
    for (const message of batch.messages) {
      try {
        parsed.push({ topic, partition, offset: message.offset, message, value: opts.parse(message, topic) });
      } catch (error) {
        dead.push({ message, error });
      }
    }

    // Unparseable records go out first: a handler that commits inside its own transaction
    // (commit: 'handler') must never commit past a record that is not yet dead-lettered.
    await sendDeadLetters(topic, partition, dead.splice(0));

    // Stop requests and revocations end the waiting between attempts, never an attempt in flight:
    // a batch that completes while we stop is still committed.
    const revoked = new AbortController();
    const onStop = () => revoked.abort();
    stopping.signal.addEventListener('abort', onStop, { once: true });
    const nextOffset = (BigInt(batch.lastOffset()) + 1n).toString();
    const policy = { minMs: opts.retry?.minMs ?? 200, maxMs: opts.retry?.maxMs ?? 30_000 };
    try {
      for (let attempt = 1; parsed.length > 0; attempt++) {
        if (revoked.signal.aborted || !isRunning() || isStale()) {
          log.info({ topic, partition, firstOffset: batch.firstOffset() }, 'batch left uncommitted (stopping or revoked); it will be redelivered');
          return;
        }
        try {
          const outcome = await opts.handle(parsed, { topic, partition, signal: revoked.signal, nextOffset, groupId: opts.groupId, heartbeat });
          for (const d of outcome?.deadLetters ?? []) dead.push({ message: d.record.message, error: d.error });
          break;
        } catch (err) {
          log.warn({ err, topic, partition, attempt, firstOffset: batch.firstOffset() }, 'batch handler failed; retrying');
          await sleep(backoffDelay(attempt, policy), revoked.signal);
          // Keep our group membership while we wait out the dependency.
          await heartbeat().catch(() => undefined);
        }
      }
    } finally {
      stopping.signal.removeEventListener('abort', onStop);
    }

    await sendDeadLetters(topic, partition, dead);
    resolveOffset(batch.lastOffset());
    if (opts.commit === 'handler') return;
    // The committed offset is the NEXT record to read. consumer.commitOffsets() would silently
    // skip the commit once stop() was called; the batch's own commit does not.
    await commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset: nextOffset }] }] });
  }

  await consumer.connect();
  for (const topic of opts.topics) await consumer.subscribe({ topic, fromBeginning: opts.fromBeginning ?? true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: opts.partitionsConsumedConcurrently ?? 3,
    eachBatch,
  });

  return {
    ready,
    async stop() {
      stopping.abort();
      // kafkajs' disconnect waits for the batch in hand to finish before leaving the group.
      await consumer.disconnect();
    },
  };
}
