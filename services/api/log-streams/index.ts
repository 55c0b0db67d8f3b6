import type { Admin, Kafka } from 'kafkajs';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../../shared/config/index.js';
import type { Logger } from '../../../shared/log/index.js';
import type { Shutdown } from '../../../shared/lifecycle/index.js';
import type { Check } from '../../../shared/health/index.js';
import { createEventProducer, instanceGroupId, PROJECTION_SESSION_TIMEOUT_MS, startConsumerRunner, type ConsumedRecord, type TopicNames } from '../../../shared/kafka/index.js';
import { createSecretBox } from '../../../shared/crypto/secret-box.js';
import { resolveSecretsKey } from '../../../shared/auth/index.js';
import {
  createDecideAndAppend, exporterGroupId, HealthStore, LogStreamProjection, openSink, parseHealthRecord, parseLogStreamEventRecord, parseStreamDeadLetter,
  streamLag, type DeadLetter, type HealthRecord, type LogStreamEventRecord, type LogStreamState, type StoredStartFrom,
} from '../../../shared/log-streams/index.js';
import { credentialRedactor, sinks, type Redact, type SinkDefinition } from '../../../shared/sinks/index.js';
import { createLogStreamCommands } from './commands.js';
import { logStreamRoutes } from './routes.js';
import { READ_WAIT_MS } from '../projection-reads.js';

export interface LogStreamsFeatureDeps {
  config: Config;
  kafka: Kafka;
  admin: Admin;
  names: TopicNames;
  log: Logger;
  shutdown: Shutdown;
  maxStreams?: number;
}

type Input =
  | { kind: 'definition'; rec: LogStreamEventRecord }
  | { kind: 'health'; rec: HealthRecord }
  | { kind: 'dead_letter'; streamId: string; deadLetter: DeadLetter }
  | { kind: 'ignored' };

/**
 * /api/v2/log-streams: definitions are commands appended to log-streams.events and answered once
 * this instance's own fold applied them (read-your-writes, as for clients). The same consumer
 * folds log-streams.health, which the exporters write, and counts log-streams.dlq per stream, so
 * health shows every dropped entry; lag comes straight from Kafka offsets.
 */
export async function startLogStreamsFeature(
  deps: LogStreamsFeatureDeps,
): Promise<{ feature: (app: FastifyInstance) => Promise<void>; readiness: Record<string, Check>; projection: LogStreamProjection }> {
  const { config, kafka, admin, names, shutdown } = deps;
  const log = deps.log.child({ component: 'log-streams' });
  const box = createSecretBox(await resolveSecretsKey(config));
  const policy = { allowInsecureLoopback: config.LOG_STREAMS_ALLOW_INSECURE_LOOPBACK };
  const producer = await createEventProducer(kafka);
  shutdown.add('log streams producer', () => producer.disconnect());

  const projection = new LogStreamProjection(admin, names.logStreamEvents);
  const health = new HealthStore();
  const runner = await startConsumerRunner<Input>({
    kafka,
    groupId: instanceGroupId(config.KAFKA_TOPIC_PREFIX, 'api-log-streams'),
    topics: [names.logStreamEvents, names.logStreamHealth, names.logStreamDeadLetters],
    fromBeginning: true,
    parse: (m, topic): Input => {
      if (topic === names.logStreamEvents) return { kind: 'definition', rec: parseLogStreamEventRecord(m) };
      if (topic === names.logStreamHealth) return { kind: 'health', rec: parseHealthRecord(m) };
      const dead = parseStreamDeadLetter(m, config.KAFKA_TOPIC_PREFIX);
      return dead === undefined ? { kind: 'ignored' } : { kind: 'dead_letter', ...dead };
    },
    handle: async (records, ctx) => {
      if (ctx.topic === names.logStreamEvents) {
        const definitions: ConsumedRecord<LogStreamEventRecord>[] = records.flatMap((r) => (r.value.kind === 'definition' ? [{ ...r, value: r.value.rec }] : []));
        await projection.handle(definitions);
        for (const d of definitions) if (d.value.event.type === 'log_stream.deleted') health.forget(d.value.event.stream_id);
        return;
      }
      for (const r of records) {
        if (r.value.kind === 'health') health.apply(r.value.rec);
        else if (r.value.kind === 'dead_letter') health.deadLettered(r.value.streamId, r.value.deadLetter);
      }
    },
    deadLetter: { topic: names.deadLetters, producer },
    log,
    partitionsConsumedConcurrently: config.KAFKA_PARTITIONS,
    fetch: { maxWaitMs: 50 },
    sessionTimeoutMs: PROJECTION_SESSION_TIMEOUT_MS,
  });
  shutdown.add('log streams projection', () => runner.stop());

  const commands = createLogStreamCommands({
    decideAndAppend: createDecideAndAppend({ projection, producer, topic: names.logStreamEvents, log }),
    store: projection.store,
    box,
    policy,
    maxStreams: deps.maxStreams ?? 20,
  });
  const lagOf = async (streamId: string, startFrom: StoredStartFrom): Promise<number | null> => {
    let timer: NodeJS.Timeout | undefined;
    try {
      // Offsets come from the broker, which may be down: the health answer does not wait for it.
      const lag = streamLag(admin, { topic: names.auditLog, groupId: exporterGroupId(config.KAFKA_TOPIC_PREFIX, streamId), startFrom });
      return await Promise.race([lag, new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), READ_WAIT_MS)))]);
    } catch (err) {
      log.warn({ err, stream: streamId }, 'could not compute log stream lag');
      return null;
    } finally {
      clearTimeout(timer);
    }
  };

  // What is shown of a sink's answers is redacted again with the stream's current credentials: the
  // exporter redacts at the source, and this also covers records written before it did.
  const redactFor = (state: LogStreamState): Redact => {
    try {
      return credentialRedactor((sinks[state.type] as SinkDefinition<unknown>).credentials(openSink(state, box)));
    } catch (err) {
      log.warn({ err, stream: state.id }, 'could not open the sink credentials to redact health');
      return () => '(hidden: the sink credentials could not be opened to redact this text)';
    }
  };

  return {
    projection,
    readiness: { log_streams_projection: () => projection.catchUp(1500) },
    feature: (app) => logStreamRoutes(app, { commands, projection, health, lagOf, policy, redactFor }),
  };
}
