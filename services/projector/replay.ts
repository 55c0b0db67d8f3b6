/**
 * `npm run replay`: rebuilds the clients table and the client_versions history from clients.events
 * and prints one summary line on stdout; while it reads the topic, a progress line on stderr every
 * 2 s (records read / records to read, %, rate).
 * Same configuration as `npm start` (shared/config); with KAFKA_BROKERS unset it uses the local
 * broker (reused when one is running, else started from DATA_DIR and stopped again).
 * Failures print one line on stderr and exit 1; LOG_LEVEL=debug also logs the error in full.
 */
import { loadConfig, type Config } from '../../shared/config/index.js';
import { createLogger } from '../../shared/log/index.js';
import { createKafka, roleGroupId, topicNames } from '../../shared/kafka/index.js';
import { isKafka } from '../../shared/kafka/local-broker.js';
import { brokersFromConfig } from '../../shared/kafka/brokers-from-config.js';
import { clickhouseOptions, createClickHouse, migrate, type ClickHouseHandle } from '../../shared/clickhouse/index.js';
import { migrations } from '../../shared/migrations/index.js';
import { embeddedFolderOwner } from './embedded-lock.js';
import { replayProjection, type ReplayResult } from './replay-projection.js';
import { startProgress } from '../../shared/progress/index.js';

function fail(line: string): number {
  process.stderr.write(`replay: ${line}\n`);
  return 1;
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';

function folderInUse(dataPath: string, pid: number): string {
  return `the embedded ClickHouse folder ${dataPath} is in use by process ${pid} (is \`npm start\` running?); stop it first, or set CLICKHOUSE_URL to replay into a ClickHouse server`;
}

function summaryLine(r: ReplayResult, ch: Pick<ClickHouseHandle, 'database' | 'mode'>): string {
  return `replay: rebuilt ${ch.database}.clients (${ch.mode}) from ${r.topic} (${r.partitions} partitions): ` +
    `${r.records} records, ${r.applied} applied, ${r.conflicts} conflicts, ${r.poison} unreadable; ` +
    `${r.clients} clients (${r.deleted} deleted), ${r.applied} versions in client_versions, in ${(r.durationMs / 1000).toFixed(1)}s`;
}

async function main(): Promise<number> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    return fail(messageOf(err));
  }
  // stdout carries only the summary line and a failure is one line on stderr; the logs (kafkajs
  // reports every connection retry as an error) go to stderr only when LOG_LEVEL is set.
  const log = createLogger({ level: process.env.LOG_LEVEL ? config.LOG_LEVEL : 'silent', name: 'apptrail-replay', destination: process.stderr });
  const chOptions = clickhouseOptions(config);
  const { dataPath } = chOptions;
  const embedded = !config.CLICKHOUSE_URL;
  // Checked before anything starts: the folder lock is the common case (npm start still running).
  const owner = embedded ? embeddedFolderOwner(dataPath) : undefined;
  if (owner !== undefined) return fail(folderInUse(dataPath, owner));

  const cleanup: Array<() => Promise<void>> = [];
  try {
    if (config.KAFKA_BROKERS && !(await isKafka(config.KAFKA_BROKERS))) {
      // One quick probe instead of kafkajs' half a minute of retries.
      return fail(`cannot reach Kafka at ${config.KAFKA_BROKERS.join(',')} (KAFKA_BROKERS): start it (\`npm start\` or \`npm run kafka:start\`) or fix KAFKA_BROKERS`);
    }
    const { brokers, stop } = await brokersFromConfig(config, log);
    cleanup.push(stop);

    let ch: ClickHouseHandle;
    try {
      ch = await createClickHouse(chOptions);
    } catch (err) {
      // Taken between our check and the open.
      const taker = embedded ? embeddedFolderOwner(dataPath) : undefined;
      if (taker !== undefined) return fail(folderInUse(dataPath, taker));
      throw err;
    }
    cleanup.push(() => ch.close());
    await migrate(ch, migrations, log);

    const kafka = createKafka({ brokers, clientId: `${config.KAFKA_CLIENT_ID}-replay`, log });
    const result = await replayProjection({
      kafka, ch, topic: topicNames(config.KAFKA_TOPIC_PREFIX).clientEvents, projectorGroupId: roleGroupId(config.KAFKA_TOPIC_PREFIX, 'projector'), log,
      progress: (total) => startProgress({ label: 'replay', unit: 'records', total, write: (line) => process.stderr.write(`${line}\n`) }),
    });
    console.log(summaryLine(result, ch));
    return 0;
  } catch (err) {
    log.debug({ err }, 'replay failed');
    return fail(messageOf(err));
  } finally {
    for (const close of cleanup.reverse()) await close().catch(() => undefined);
  }
}

// kafkajs and chDB may keep handles open; the outcome is decided.
process.exit(await main());
