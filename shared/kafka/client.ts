import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import type { Logger } from '../log/index.js';

const LEVEL: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

// kafkajs logs every retriable protocol error (e.g. "coordinator is loading" right after a broker
// start) at ERROR although it retries them itself; they are noise at our level.
// The same holds for CONCURRENT_TRANSACTIONS right after a commit. And the idempotent producer's
// "limiting retries" warning is a choice we make on purpose: a send that cannot reach Kafka must
// fail (the API answers 503, nothing is acknowledged) rather than hang forever.
// A fresh topic's "not the leader" / "does not host this topic-partition" answers are retried by
// kafkajs or by withKafkaRetry (ensureTopics waits for them on purpose): a clean start logs no ERROR.
const RETRIED_BY_KAFKAJS =
  /not the leader for that topic-partition|does not host this topic-partition|coordinator is loading|coordinator is not available|not the correct coordinator|leader is not available|rebalanc|concurrent operation on the same transaction|Limiting retries for the idempotent producer/i;

// kafkajs logs its own consumer restart at ERROR; the crash before it is logged by the runner.
const RESTARTING = /^Restarting the consumer/;

export function createKafka(opts: { brokers: string[]; clientId: string; log: Logger }): Kafka {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  const log = opts.log.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: opts.clientId,
    brokers: opts.brokers,
    logLevel: logLevel.WARN,
    // ~5 s of back-off before a call gives up (a consumer then crashes and restarts itself, a
    // producer send fails and the API answers 503): short enough that an outage is reported well
    // within an HTTP answer's time, and that recovery after it follows within ~2 s.
    retry: { initialRetryTime: 100, retries: 5, maxRetryTime: 2000 },
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, ...rest } = entry;
        const lvl = RETRIED_BY_KAFKAJS.test(`${message} ${String(rest.error ?? '')}`) ? 'debug' : RESTARTING.test(message) ? 'warn' : (LEVEL[level] ?? 'info');
        log[lvl]({ logger: entry.logger, ...rest, timestamp: undefined }, message);
      },
  });
}
