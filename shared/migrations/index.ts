import type { Migration } from '../clickhouse/index.js';

/**
 * apptrail's ClickHouse schema, in order. Applied at start by every process that talks to
 * ClickHouse; applying it twice is a no-op. Never edit an applied entry: add a new one.
 */
export const migrations: Migration[] = [];
