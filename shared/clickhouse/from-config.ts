import { join, resolve } from 'node:path';
import type { Config } from '../config/index.js';
import type { ClickHouseOptions } from './client.js';

/** ClickHouse as configured; every process that opens it (npm start, replay) must agree on the folder. */
export function clickhouseOptions(config: Config): ClickHouseOptions {
  return {
    url: config.CLICKHOUSE_URL,
    username: config.CLICKHOUSE_USER,
    password: config.CLICKHOUSE_PASSWORD,
    database: config.CLICKHOUSE_DATABASE,
    dataPath: join(resolve(config.DATA_DIR), 'chdb'),
  };
}
