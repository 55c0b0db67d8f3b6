import { createHash } from 'node:crypto';
import type { ClickHouseHandle } from './client.js';

export interface MigrationContext {
  database: string;
  /** Deployment settings a statement may depend on, e.g. `retention_days` for a TTL. */
  settings: Record<string, string | number>;
}

/**
 * Every statement must be idempotent on its own (`CREATE TABLE IF NOT EXISTS`, `ADD COLUMN IF NOT
 * EXISTS`, ...): the bookkeeping row is written after the last statement, so a crash in between
 * makes the next start run the whole migration again.
 */
export interface Migration {
  version: number;
  name: string;
  up: string[] | ((ctx: MigrationContext) => string[]);
}

/** Satisfied by a pino logger. */
export interface MigrationLog {
  info(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
}

interface AppliedRow {
  version: number;
  name: string;
  checksum: string;
}

// ReplacingMergeTree keyed by version: two processes migrating at once (server mode) may both
// record a version, and FINAL still shows one row per version.
const BOOKKEEPING_DDL = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version UInt32,
  name String,
  checksum String,
  applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(applied_at)
ORDER BY version`;

/**
 * Applies pending migrations in version order and records each one. Refuses to run if an applied
 * migration's statements no longer match what was applied.
 *
 * The checksum covers the statements as rendered with `settings`, so changing a setting that a
 * migration's DDL uses (say a TTL) is reported as an edit: `CREATE ... IF NOT EXISTS` would not
 * apply the new value anyway. Express such a change as a new migration (`ALTER TABLE ... MODIFY
 * TTL ...`) or keep that setting out of migrations.
 */
export async function migrate(
  handle: Pick<ClickHouseHandle, 'client' | 'database'>,
  migrations: Migration[],
  log?: MigrationLog,
  settings: Record<string, string | number> = {},
): Promise<{ applied: number[] }> {
  const ctx: MigrationContext = { database: handle.database, settings };
  const planned = plan(migrations, ctx);

  await handle.client.command({ query: BOOKKEEPING_DDL });
  const recorded = await readApplied(handle);

  for (const m of planned) {
    const row = recorded.get(m.version);
    if (row && row.checksum !== m.checksum) {
      throw new Error(
        `Migration ${m.version} (${m.name}) was changed after it was applied to database ${handle.database}: ` +
          `recorded checksum ${row.checksum} (as "${row.name}"), code has ${m.checksum}. ` +
          'Do not edit applied migrations; add a new one.',
      );
    }
  }
  const known = new Set(planned.map((m) => m.version));
  const unknown = [...recorded.keys()].filter((v) => !known.has(v));
  if (unknown.length > 0) {
    log?.warn({ versions: unknown, database: handle.database }, 'database has migrations this code does not know (newer deployment?)');
  }

  const applied: number[] = [];
  for (const m of planned) {
    if (recorded.has(m.version)) continue;
    for (const statement of m.statements) {
      await handle.client.command({ query: statement });
    }
    await handle.client.insert({
      table: 'schema_migrations',
      values: [{ version: m.version, name: m.name, checksum: m.checksum }],
      format: 'JSONEachRow',
    });
    applied.push(m.version);
    log?.info({ version: m.version, name: m.name, database: handle.database }, 'migration applied');
  }
  return { applied };
}

/** The statements a migration runs in this context, and their checksum. */
export function renderMigration(m: Migration, ctx: MigrationContext): { statements: string[]; checksum: string } {
  const statements = typeof m.up === 'function' ? m.up(ctx) : m.up;
  const checksum = createHash('sha256').update(JSON.stringify(statements)).digest('hex');
  return { statements, checksum };
}

function plan(migrations: Migration[], ctx: MigrationContext) {
  const seen = new Set<number>();
  for (const m of migrations) {
    if (!Number.isInteger(m.version) || m.version <= 0 || m.version > 0xffffffff) {
      throw new Error(`Migration "${m.name}": version must be a positive 32-bit integer, got ${m.version}`);
    }
    if (seen.has(m.version)) throw new Error(`Duplicate migration version ${m.version}`);
    seen.add(m.version);
  }
  return [...migrations]
    .sort((a, b) => a.version - b.version)
    .map((m) => ({ version: m.version, name: m.name, ...renderMigration(m, ctx) }));
}

async function readApplied(handle: Pick<ClickHouseHandle, 'client'>): Promise<Map<number, AppliedRow>> {
  const rs = await handle.client.query({
    query: 'SELECT version, name, checksum FROM schema_migrations FINAL ORDER BY version',
    format: 'JSONEachRow',
  });
  const rows = await rs.json<AppliedRow>();
  return new Map(rows.map((r) => [Number(r.version), r]));
}
