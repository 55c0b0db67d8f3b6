import { randomUUID } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import type { EventMeta } from '../../shared/clients/envelope.js';
import type { SecretBox } from '../../shared/crypto/secret-box.js';
import type { EventProducer, TopicNames } from '../../shared/kafka/index.js';
import type { Logger } from '../../shared/log/index.js';
import { decideSuspend, exporterGroupId, type DecideAndAppend, type LogStreamState, type LogStreamStore } from '../../shared/log-streams/index.js';
import { backoffDelay, sleep } from '../../shared/retry/index.js';
import type { StreamContext } from '../../shared/sinks/index.js';
import type { DeliveryPolicy, SuspendReason } from './deliver.js';
import type { HealthReporter } from './health-reporter.js';
import { startPipeline, type Pipeline } from './pipeline.js';

export interface SupervisorOptions {
  kafka: Kafka;
  admin: Admin;
  names: TopicNames;
  topicPrefix: string;
  producer: EventProducer;
  box: SecretBox;
  log: Logger;
  store: LogStreamStore;
  decideAndAppend: DecideAndAppend;
  health: HealthReporter;
  policy: DeliveryPolicy;
  concurrency: number;
  sinkTimeoutMs?: number;
  context?: Partial<Omit<StreamContext, 'streamId'>>;
}

interface Running {
  pipeline: Pipeline | undefined;
  /** What a restart depends on: the sink, the filters and the PII obfuscation. A rename only moves `version`. */
  fingerprint: string;
  /** The stream version this pipeline delivers for; a suspension is decided on it. */
  version: number;
}

const fingerprint = (s: LogStreamState) => JSON.stringify([s.type, s.sink, s.sink_secrets_sealed, s.filters, s.start_from, s.pii_config ?? null]);

const exporterMeta = (): EventMeta => ({
  actor: 'apptrail-exporter',
  actorclient: '',
  actorname: 'log stream exporter',
  requestid: randomUUID(),
  ip: '',
  useragent: '',
  method: '',
  path: '',
});

/**
 * Keeps one pipeline running per active stream, in step with the fold of log-streams.events:
 * paused, suspended and deleted streams are stopped (their groups keep their positions, so a
 * resume loses nothing), a changed sink or filter restarts the pipeline. Work on one stream is
 * serialised; different streams start and stop independently.
 */
export class Supervisor {
  private readonly running = new Map<string, Running>();
  private readonly lanes = new Map<string, Promise<void>>();
  private readonly retries = new Map<string, number>();
  private closed = false;
  private readonly closing = new AbortController();

  constructor(private readonly opts: SupervisorOptions) {}

  /** Called by the definitions fold after each batch; never awaited there (a stopping pipeline may wait on that fold). */
  reconcile(streamIds: Iterable<string>): void {
    for (const id of streamIds) this.inLane(id, () => this.reconcileOne(id));
  }

  private inLane(id: string, work: () => Promise<void>): Promise<void> {
    const next = (this.lanes.get(id) ?? Promise.resolve()).then(work).catch((err: unknown) => {
      this.opts.log.error({ err, stream: id }, 'log stream reconcile failed');
    });
    this.lanes.set(id, next);
    void next.finally(() => {
      if (this.lanes.get(id) === next) this.lanes.delete(id);
    });
    return next;
  }

  private async reconcileOne(id: string): Promise<void> {
    if (this.closed) return;
    const state = this.opts.store.get(id);
    const current = this.running.get(id);
    const wanted = state !== undefined && !state.deleted && state.status === 'active';
    if (current && (!wanted || current.fingerprint !== fingerprint(state))) {
      await current.pipeline?.stop();
      this.running.delete(id);
      this.opts.health.reset(id);
    }
    if (state?.deleted) return this.cleanUp(id);
    if (!wanted) return;
    const same = this.running.get(id);
    if (same) {
      same.version = state.version;
      return;
    }
    const entry: Running = { pipeline: undefined, fingerprint: fingerprint(state), version: state.version };
    try {
      entry.pipeline = await startPipeline({
        kafka: this.opts.kafka,
        admin: this.opts.admin,
        auditLogTopic: this.opts.names.auditLog,
        deadLetterTopic: this.opts.names.logStreamDeadLetters,
        producer: this.opts.producer,
        box: this.opts.box,
        log: this.opts.log,
        groupId: exporterGroupId(this.opts.topicPrefix, id),
        definition: state,
        policy: this.opts.policy,
        health: this.opts.health.tracker(id),
        concurrency: this.opts.concurrency,
        ...(this.opts.sinkTimeoutMs === undefined ? {} : { sinkTimeoutMs: this.opts.sinkTimeoutMs }),
        ...(this.opts.context === undefined ? {} : { context: this.opts.context }),
        requestSuspend: (reason) => this.suspend(id, () => entry.version, reason),
      });
      this.retries.delete(id);
    } catch (err) {
      // Kafka trouble while joining: try again later rather than leave an active stream idle.
      const attempt = (this.retries.get(id) ?? 0) + 1;
      this.retries.set(id, attempt);
      this.opts.log.warn({ err, stream: id, attempt }, 'could not start log stream; retrying');
      void sleep(backoffDelay(attempt, { minMs: 1000, maxMs: 30_000 }), this.closing.signal).then(() => this.reconcile([id]));
      return;
    }
    this.running.set(id, entry);
  }

  /** Suspends on the version the pipeline runs; retried while the event log is unreachable. */
  private suspend(id: string, runningVersion: () => number, reason: SuspendReason): void {
    const attempt = async (n: number): Promise<void> => {
      if (this.closed) return;
      try {
        const after = await this.opts.decideAndAppend(id, (state) => decideSuspend(state, runningVersion(), { at: new Date().toISOString(), ...reason }), exporterMeta());
        this.opts.log.warn({ stream: id, status: after?.status, reason }, 'log stream suspension decided');
      } catch (err) {
        this.opts.log.error({ err, stream: id }, 'could not record the log stream suspension; retrying');
        await sleep(backoffDelay(n, { minMs: 1000, maxMs: 30_000 }), this.closing.signal);
        return attempt(n + 1);
      }
    };
    void attempt(1);
  }

  /** A deleted stream's group and health keys are removed; best effort, another exporter may still be leaving the group. */
  private async cleanUp(id: string): Promise<void> {
    const partitions = (await this.opts.admin.fetchTopicOffsets(this.opts.names.auditLog)).map((p) => p.partition);
    await this.opts.health.forget(id, partitions);
    await this.opts.admin.deleteGroups([exporterGroupId(this.opts.topicPrefix, id)]).catch((err: unknown) => {
      this.opts.log.debug({ err, stream: id }, 'could not delete the consumer group of a deleted stream');
    });
  }

  /** Streams with a pipeline running in this process. */
  runningStreams(): string[] {
    return [...this.running.keys()];
  }

  async stop(): Promise<void> {
    this.closed = true;
    this.closing.abort();
    await Promise.all([...this.lanes.values()]);
    await Promise.all([...this.running.values()].map((r) => r.pipeline?.stop()));
    this.running.clear();
  }
}
