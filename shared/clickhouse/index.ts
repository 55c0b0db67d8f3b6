export { createClickHouse, serverClientConfig } from './client.js';
export type { ClickHouseHandle, ClickHouseOptions } from './client.js';
export { migrate, renderMigration } from './migrations.js';
export type { Migration, MigrationContext, MigrationLog } from './migrations.js';
export { clickhouseOptions } from './from-config.js';
export { readOrUnavailable } from './unavailable.js';
