import { join, resolve } from 'node:path';
import type { Config } from '../config/index.js';
import type { Logger } from '../log/index.js';
import { startLocalBroker } from './local-broker.js';

/**
 * KAFKA_BROKERS when set; otherwise the local broker with its data under DATA_DIR/kafka, started
 * or reused. `stop` stops only a broker this call started.
 */
export async function brokersFromConfig(config: Config, log: Logger): Promise<{ brokers: string[]; local: boolean; stop: () => Promise<void> }> {
  if (config.KAFKA_BROKERS) return { brokers: config.KAFKA_BROKERS, local: false, stop: async () => undefined };
  const broker = await startLocalBroker({
    port: config.KAFKA_PORT,
    dataDir: join(resolve(config.DATA_DIR), 'kafka'),
    log: (line) => log.info({ component: 'local-kafka' }, line),
  });
  return { brokers: broker.brokers, local: true, stop: () => broker.stop() };
}
