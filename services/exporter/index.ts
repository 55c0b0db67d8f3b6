import type { Admin, Kafka } from 'kafkajs';
import type { Config } from '../../shared/config/index.js';
import type { Logger } from '../../shared/log/index.js';
import type { Shutdown } from '../../shared/lifecycle/index.js';
import { createEventProducer, startProjectionRunner, type TopicNames } from '../../shared/kafka/index.js';
import { createSecretBox } from '../../shared/crypto/secret-box.js';
import { resolveSecretsKey } from '../../shared/auth/index.js';
import { createDecideAndAppend, LogStreamProjection, parseLogStreamEventRecord } from '../../shared/log-streams/index.js';
import { defaultRetryPolicy, type RetryPolicy, type StreamContext } from '../../shared/sinks/index.js';
import { HealthReporter } from './health-reporter.js';
import { Supervisor } from './supervisor.js';

export interface ExporterRoleDeps {
  config: Config;
  kafka: Kafka;
  admin: Admin;
  names: TopicNames;
  log: Logger;
  shutdown: Shutdown;
  /** Tuning and test hooks; production runs on the defaults. */
  options?: ExporterOptions;
}

export interface ExporterOptions {
  retry?: RetryPolicy;
  /** Per-request deadline at the sink (default 15 s, see shared/sinks). */
  sinkTimeoutMs?: number;
  /** Requests one log stream has in flight at once (default 2; see PipelineOptions.concurrency). */
  concurrency?: number;
  healthIntervalMs?: number;
  /** E.g. a local Datadog intake (`datadogIntakeUrl`) in tests. */
  context?: Partial<Omit<StreamContext, 'streamId' | 'allowInsecureLoopback'>>;
}

export interface ExporterRole {
  /** Resolves once the definitions fold joined its group. */
  ready: Promise<void>;
  projection: LogStreamProjection;
  supervisor: Supervisor;
  stop(): Promise<void>;
}

/**
 * services/exporter: every instance folds log-streams.events (a group of its own, since each needs
 * every definition) and runs one pipeline per active stream. Pipelines of one stream in several
 * instances share that stream's group, so Kafka splits audit.log's partitions between them.
 */
export async function startExporterRole(deps: ExporterRoleDeps): Promise<ExporterRole> {
  const { config, kafka, admin, names, shutdown } = deps;
  const log = deps.log.child({ role: 'exporter' });
  const options = deps.options ?? {};
  const box = createSecretBox(await resolveSecretsKey(config));
  const producer = await createEventProducer(kafka);
  const health = new HealthReporter({ producer, topic: names.logStreamHealth, log, intervalMs: options.healthIntervalMs ?? 1000 });

  // The fold starts delivering changes only once its consumer runs, after the supervisor exists.
  const projection = new LogStreamProjection(admin, names.logStreamEvents, (ids) => supervisor.reconcile(ids));
  const decideAndAppend = createDecideAndAppend({ projection, producer, topic: names.logStreamEvents, log });
  const supervisor = new Supervisor({
    kafka,
    admin,
    names,
    topicPrefix: config.KAFKA_TOPIC_PREFIX,
    producer,
    box,
    log,
    store: projection.store,
    decideAndAppend,
    health,
    policy: { retry: options.retry ?? defaultRetryPolicy, suspendAfterMs: config.EXPORTER_SUSPEND_AFTER_MS },
    concurrency: options.concurrency ?? 2,
    ...(options.sinkTimeoutMs === undefined ? {} : { sinkTimeoutMs: options.sinkTimeoutMs }),
    context: { ...options.context, allowInsecureLoopback: config.LOG_STREAMS_ALLOW_INSECURE_LOOPBACK },
  });

  const definitions = await startProjectionRunner({
    kafka,
    projection,
    topic: names.logStreamEvents,
    topicPrefix: config.KAFKA_TOPIC_PREFIX,
    name: 'exporter',
    parse: parseLogStreamEventRecord,
    deadLetter: { topic: names.deadLetters, producer },
    log: log.child({ component: 'log-stream-definitions' }),
    partitions: config.KAFKA_PARTITIONS,
  });

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      // Pipelines first (they finish the batch in hand and commit), then what they report through.
      await supervisor.stop();
      await definitions.stop();
      await health.close();
      await producer.disconnect();
    })());
  shutdown.add('exporter', stop);
  return { ready: definitions.ready, projection, supervisor, stop };
}
