/**
 * Where a test's ClickHouse lives. By default chDB in a folder the test owns, as `npm start` runs
 * it. When the harness provides a server (TEST_CLICKHOUSE_URL, USER, PASSWORD: a testcontainers
 * clickhouse-server, or one given by hand), every opener gets a database of its own on it, named
 * `apptrail_t_<run>_<label>_<n>`, which `dispose` drops; the harness drops whatever a run left
 * behind on a given server (dropRunDatabases). Dropping is refused for any name outside that
 * pattern, so pointing TEST_CLICKHOUSE_URL at a shared server can never drop its real databases.
 */
import { randomBytes } from 'node:crypto';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { createClickHouse, serverClientConfig, type ClickHouseHandle } from '../../shared/clickhouse/index.js';

export interface ServerTarget {
  url: string;
  username?: string;
  password?: string;
}

export function serverTargetFromEnv(env: NodeJS.ProcessEnv = process.env): ServerTarget | undefined {
  const url = env.TEST_CLICKHOUSE_URL?.trim();
  if (!url) return undefined;
  return { url, username: env.TEST_CLICKHOUSE_USER || undefined, password: env.TEST_CLICKHOUSE_PASSWORD || undefined };
}

export const TEST_DATABASE_PREFIX = 'apptrail_t_';
// ClickHouse allows longer names, but a database is a folder on the server's disk.
const MAX_NAME = 96;
const RUN_ID = /^[a-z0-9]{1,16}$/;

/** Per process: two opens in one test file never share a database unless they pass its name. */
let sequence = 0;
const processTag = randomBytes(3).toString('hex');

/** A valid, unique database name for `label` (any text) in run `runId`. */
export function testDatabaseName(label: string, runId: string, unique = `${processTag}${++sequence}`): string {
  if (!RUN_ID.test(runId)) throw new Error(`test run id ${JSON.stringify(runId)} must match ${RUN_ID.source}`);
  const head = `${TEST_DATABASE_PREFIX}${runId}_`;
  const tail = `_${unique.replace(/[^A-Za-z0-9]/g, '')}`;
  const slug = label.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, Math.max(0, MAX_NAME - head.length - tail.length)) || 'db';
  return `${head}${slug}${tail}`;
}

/** True only for names testDatabaseName makes: the one guard before any DROP. */
export function isTestDatabaseName(name: string, runId?: string): boolean {
  const m = /^apptrail_t_([a-z0-9]{1,16})_[a-z0-9_]*_[A-Za-z0-9]+$/.exec(name);
  return m !== null && name.length <= MAX_NAME && (runId === undefined || m[1] === runId);
}

function runId(env: NodeJS.ProcessEnv = process.env): string {
  // A test file run by hand (node --test, without the harness) still gets a valid name.
  return env.TEST_RUN_ID ?? 'manual';
}

/** The statements a clean-up sends: exported so unit tests check them without a server. */
export function dropStatement(name: string): { query: string; query_params: { db: string } } {
  if (!isTestDatabaseName(name)) throw new Error(`refusing to drop ${JSON.stringify(name)}: not a test database (${TEST_DATABASE_PREFIX}<run>_<label>_<n>)`);
  return { query: 'DROP DATABASE IF EXISTS {db:Identifier} SYNC', query_params: { db: name } };
}

type Commands = { command(params: { query: string; query_params?: Record<string, unknown> }): Promise<unknown> };

export async function dropTestDatabase(client: Commands, name: string): Promise<void> {
  await client.command(dropStatement(name));
}

/** Runs `use` with a client that names no database (the ones we drop may be gone). */
async function withServer<T>(target: ServerTarget, use: (client: ReturnType<typeof createClient>) => Promise<T>): Promise<T> {
  const client = createClient(serverClientConfig({ ...target, database: 'default', dataPath: '' }, undefined));
  try {
    return await use(client);
  } finally {
    await client.close();
  }
}

/** Drops every database of run `id` left on the server (a test that died before its clean-up). */
export async function dropRunDatabases(target: ServerTarget, id: string): Promise<string[]> {
  return withServer(target, (client) => dropRunDatabasesWith(client, id));
}

/** dropRunDatabases on a given client; the statements are checked on chDB by an integration test. */
export async function dropRunDatabasesWith(client: Pick<ClickHouseClient, 'query' | 'command'>, id: string): Promise<string[]> {
  const rs = await client.query({ query: 'SELECT name FROM system.databases WHERE startsWith(name, {prefix:String}) ORDER BY name', query_params: { prefix: `${TEST_DATABASE_PREFIX}${id}_` }, format: 'JSONEachRow' });
  const names = (await rs.json<{ name: string }>()).map((r) => r.name).filter((name) => isTestDatabaseName(name, id));
  for (const name of names) await dropTestDatabase(client, name);
  return names;
}

export interface TestClickHouse extends ClickHouseHandle {
  /** Closes the handle and, on a server, drops the database. */
  dispose(): Promise<void>;
}

/**
 * Opens ClickHouse with apptrail's conventions for a test: chDB in `dataPath` (database
 * `embeddedDatabase`, 'apptrail' by default), or on the harness's server a database of its own for
 * `label`. The caller migrates.
 */
export async function openTestClickHouse(label: string, dataPath: string, opts: { embeddedDatabase?: string; env?: NodeJS.ProcessEnv } = {}): Promise<TestClickHouse> {
  const target = serverTargetFromEnv(opts.env);
  if (!target) {
    const handle = await createClickHouse({ database: opts.embeddedDatabase ?? 'apptrail', dataPath });
    return { ...handle, dispose: () => handle.close() };
  }
  const database = testDatabaseName(label, runId(opts.env));
  const handle = await createClickHouse({ ...target, database, dataPath });
  return {
    ...handle,
    dispose: async () => {
      await handle.close();
      await withServer(target, (client) => dropTestDatabase(client, database));
    },
  };
}

/**
 * ClickHouse settings for a child process (`services/main.ts`, replay, a worker): nothing in the
 * default mode (it opens chDB under its DATA_DIR), else the server and a database of its own,
 * which `dispose` drops. `env` is passed to every process that must share that database.
 */
export function childClickHouseEnv(label: string, env: NodeJS.ProcessEnv = process.env): { env: Record<string, string>; dispose(): Promise<void> } {
  const target = serverTargetFromEnv(env);
  if (!target) return { env: {}, dispose: async () => undefined };
  const database = testDatabaseName(label, runId(env));
  return {
    env: {
      CLICKHOUSE_URL: target.url,
      ...(target.username ? { CLICKHOUSE_USER: target.username } : {}),
      ...(target.password ? { CLICKHOUSE_PASSWORD: target.password } : {}),
      CLICKHOUSE_DATABASE: database,
    },
    dispose: () => withServer(target, (client) => dropTestDatabase(client, database)),
  };
}

/** Why a test needs the embedded engine; printed as the skip reason on a server, never skipped otherwise. */
export function embeddedOnly(reason: string): { skip: string | false } {
  return { skip: serverTargetFromEnv() ? `needs the embedded engine (chDB): ${reason}` : false };
}
