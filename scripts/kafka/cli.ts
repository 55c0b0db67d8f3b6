// Local Kafka broker for dev and CI: `tsx scripts/kafka/cli.ts fetch|start|stop|status`.
// `start` leaves the broker running in the background; `stop` finds it through the pid file in
// KAFKA_DATA_DIR. Environment: KAFKA_PORT (default 9092), KAFKA_DATA_DIR (default .data/kafka).
import { resolve } from 'node:path';
import { defaultDataDir, ensureKafkaJars, localBrokerStatus, startLocalBroker, stopLocalBroker } from '../../shared/kafka/local-broker.js';

const port = Number(process.env.KAFKA_PORT ?? 9092);
const dataDir = process.env.KAFKA_DATA_DIR ? resolve(process.env.KAFKA_DATA_DIR) : defaultDataDir;
const log = (line: string) => console.log(`kafka: ${line}`);

async function main(command: string | undefined): Promise<number> {
  if (!Number.isInteger(port) || port <= 0 || port >= 65535) throw new Error(`KAFKA_PORT must be a port number, got ${process.env.KAFKA_PORT}`);
  const started = Date.now();
  const seconds = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
  switch (command) {
    case 'fetch': {
      const libs = await ensureKafkaJars({ log });
      log(`jars ready in ${libs} (${seconds()})`);
      return 0;
    }
    case 'start': {
      const broker = await startLocalBroker({ port, dataDir, detached: true, log });
      log(broker.reused
        ? `ready on ${broker.brokers.join(',')} (already running, ${seconds()})`
        : `ready on ${broker.brokers.join(',')} (pid ${broker.pid}, ${seconds()}); stop with \`npm run kafka:stop\``);
      return 0;
    }
    case 'stop': {
      const pid = await stopLocalBroker({ dataDir });
      log(pid === undefined ? `no broker running for ${dataDir}` : `stopped pid ${pid} (${seconds()})`);
      return 0;
    }
    case 'status': {
      const { pid, answering } = await localBrokerStatus({ port, dataDir });
      const owner = pid === undefined ? `no broker process for ${dataDir}` : `pid ${pid} runs from ${dataDir}`;
      log(`${owner}; 127.0.0.1:${port} ${answering ? 'answers as a Kafka broker' : 'does not answer'}`);
      return answering ? 0 : 1;
    }
    default:
      console.error('usage: tsx scripts/kafka/cli.ts fetch|start|stop|status');
      return 2;
  }
}

main(process.argv[2]).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    console.error(`kafka: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
