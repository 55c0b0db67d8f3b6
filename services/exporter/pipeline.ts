import type { Admin, Kafka } from 'kafkajs';
import type { SecretBox } from '../../shared/crypto/secret-box.js';
import { RetryBatchError, startConsumerRunner, type BatchContext, type ConsumedRecord, type ConsumerRunner, type EventProducer } from '../../shared/kafka/index.js';
import type { Logger } from '../../shared/log/index.js';
import { entryFilter, openSink, piiObfuscator, sinkSchemaFor, startOffsets, type LogStreamState } from '../../shared/log-streams/index.js';
import { createSinkClient, sinks, streamContext, type SinkClient, type SinkDefinition, type StreamContext } from '../../shared/sinks/index.js';
import { deliverEntries, waitWithHeartbeat, type DeliveryPolicy, type SuspendReason } from './deliver.js';
import type { StreamHealthTracker } from './health-reporter.js';
import { readExportedEntry, type ExportedEntry } from './read-entry.js';

export interface PipelineOptions {
  kafka: Kafka;
  admin: Admin;
  auditLogTopic: string;
  deadLetterTopic: string;
  producer: EventProducer;
  box: SecretBox;
  log: Logger;
  groupId: string;
  definition: LogStreamState;
  policy: DeliveryPolicy;
  health: StreamHealthTracker;
  /**
   * Requests one stream has in flight at once, across its partitions and within a batch (and the
   * connections it keeps to its sink).
   */
  concurrency: number;
  sinkTimeoutMs?: number;
  /** Stream context overrides: loopback endpoints and a local Datadog intake, for tests and local runs. */
  context?: Partial<Omit<StreamContext, 'streamId'>>;
  /** The stream cannot go on as configured; the caller decides whether to suspend it. */
  requestSuspend: (reason: SuspendReason) => void;
}

export interface Pipeline {
  stop(): Promise<void>;
}

/** A sink's refusal of one entry, as the dead-letter record's error header carries it. */
export class SinkRejectedEntry extends Error {
  override name = 'SinkRejectedEntry';
}

/** How long a batch waits for the stream to be stopped after asking for suspension, before trying again. */
const SUSPENSION_WAIT_MS = 30_000;

function openClient(def: LogStreamState, opts: PipelineOptions, ctx: StreamContext): SinkClient {
  const parsed = sinkSchemaFor(def.type, { allowInsecureLoopback: ctx.allowInsecureLoopback }).safeParse(openSink(def, opts.box));
  // Paths only: the values may be credentials.
  if (!parsed.success) throw new Error(`invalid sink configuration (${parsed.error.issues.map((i) => i.path.join('.') || '(root)').join(', ')})`);
  const sink = sinks[def.type] as SinkDefinition<unknown>;
  return createSinkClient(sink, parsed.data, ctx, { connections: opts.concurrency, ...(opts.sinkTimeoutMs === undefined ? {} : { timeoutMs: opts.sinkTimeoutMs }) });
}

/**
 * One stream: a consumer group of its own on audit.log, the sink client, and the handler that
 * commits a batch only after the sink took it (or the refused entries are dead-lettered). A
 * definition that cannot be sent with (an endpoint policy refusal) asks for suspension instead.
 */
export async function startPipeline(opts: PipelineOptions): Promise<Pipeline | undefined> {
  const def = opts.definition;
  const log = opts.log.child({ stream: def.id, sinkType: def.type });
  // The stream's pii_config applies to every encoding of an entry; the records themselves (and so
  // the dead letters, kept inside Kafka) stay as the audit service wrote them.
  const ctx = streamContext({ streamId: def.id, ...opts.context, ...(def.pii_config === undefined ? {} : { prepareEntry: piiObfuscator(def.pii_config) }) });
  let client: SinkClient;
  try {
    client = openClient(def, opts, ctx);
  } catch (err) {
    opts.requestSuspend({ status: null, message: err instanceof Error ? err.message : String(err) });
    return undefined;
  }
  const wanted = entryFilter(def.filters);
  // A floor besides the seek below: records written before the stream's start are never its business,
  // even if the seek could not be made.
  const notBefore = def.start_from === 'beginning' ? 0 : Date.parse(def.start_from);

  async function seekToStart(assigned: Array<{ topic: string; partition: number }>, seek: (t: string, p: number, o: string) => void): Promise<void> {
    const mine = assigned.filter((a) => a.topic === opts.auditLogTopic).map((a) => a.partition);
    if (mine.length === 0) return;
    const [committed] = await opts.admin.fetchOffsets({ groupId: opts.groupId, topics: [opts.auditLogTopic] });
    const fresh = mine.filter((p) => BigInt(committed?.partitions.find((c) => c.partition === p)?.offset ?? '-1') < 0n);
    if (fresh.length === 0) return;
    const starts = await startOffsets(opts.admin, opts.auditLogTopic, def.start_from);
    for (const p of fresh) {
      const start = starts.find((s) => s.partition === p);
      if (start) seek(opts.auditLogTopic, p, start.offset);
    }
  }

  async function handle(records: ConsumedRecord<ExportedEntry>[], batch: BatchContext) {
    const selected = records.filter((r) => Number(r.message.timestamp) >= notBefore && wanted(r.value.type));
    if (selected.length === 0) return;
    const result = await deliverEntries(selected.map((r) => r.value), {
      client, policy: opts.policy, health: opts.health, partition: batch.partition, signal: batch.signal, heartbeat: batch.heartbeat, inFlight: opts.concurrency, stream: def.id,
    });
    if (result.kind === 'suspend') {
      // Outcomes come redacted from the sink client; this pass covers what the exporter added to them.
      const reason = { ...result.reason, message: client.redact(result.reason.message) };
      log.warn({ partition: batch.partition, reason }, 'log stream cannot deliver; asking for suspension');
      opts.requestSuspend(reason);
      // The suspension stops this pipeline, which ends the wait and leaves the batch uncommitted.
      await waitWithHeartbeat(SUSPENSION_WAIT_MS, batch.signal, batch.heartbeat);
      throw new RetryBatchError('log stream still running after asking for suspension; retrying the batch');
    }
    if (result.rejected.length === 0) return;
    log.warn({ partition: batch.partition, rejected: result.rejected.length }, 'sink refused entries; dead-lettering them');
    // The refused entries are the very values of their records (planning and splitting keep them).
    const recordOf = new Map(selected.map((r) => [r.value, r]));
    return {
      deadLetters: result.rejected.map(({ entry, outcome }) => ({
        record: recordOf.get(entry)!,
        error: new SinkRejectedEntry(client.redact(`${def.type} sink refused log_id ${entry.log_id}: HTTP ${outcome.status}: ${outcome.reason}${outcome.responseBody === '' ? '' : `; response: ${outcome.responseBody}`}`)),
      })),
    };
  }

  let runner: ConsumerRunner;
  try {
    // Every partition this member owns is read and encoded while others wait for the sink; the
    // client's gate, not the partition count, bounds what is in flight.
    const partitions = (await opts.admin.fetchTopicOffsets(opts.auditLogTopic)).length;
    runner = await startConsumerRunner<ExportedEntry>({
      kafka: opts.kafka,
      groupId: opts.groupId,
      topics: [opts.auditLogTopic],
      fromBeginning: true,
      parse: (m) => readExportedEntry(m),
      handle,
      onAssigned: seekToStart,
      deadLetter: { topic: opts.deadLetterTopic, producer: opts.producer },
      log,
      partitionsConsumedConcurrently: Math.max(opts.concurrency, partitions),
    });
  } catch (err) {
    await client.close();
    throw err;
  }
  log.info({ group: opts.groupId, version: def.version }, 'log stream started');
  return {
    async stop() {
      await runner.stop();
      await client.close();
      log.info('log stream stopped');
    },
  };
}
