import { createClient } from '@clickhouse/client';
import type { ClickHouseClient, ClickHouseClientConfigOptions } from '@clickhouse/client';
import { drainEmbedded, openEmbeddedConnection } from './embedded.js';

export interface ClickHouseOptions {
  /** ClickHouse server over HTTP(S); when absent the embedded engine (chDB) is used. */
  url?: string;
  username?: string;
  password?: string;
  database: string;
  /** Data folder of the embedded engine; one per process (see embedded.ts). */
  dataPath: string;
  /** Server mode only: the embedded engine cannot interrupt a running query. */
  requestTimeoutMs?: number;
}

export interface ClickHouseHandle {
  /** Bound to `database` in both modes. */
  client: ClickHouseClient;
  mode: 'embedded' | 'server';
  database: string;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

// The name is bound as an Identifier wherever we send it, which both engines accept; the check
// is there because migrations may write it into DDL (`ctx.database`) and because anything else
// in this setting is a configuration mistake worth failing on at start.
const DATABASE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export async function createClickHouse(opts: ClickHouseOptions): Promise<ClickHouseHandle> {
  if (!DATABASE_NAME.test(opts.database)) {
    throw new Error(`Invalid ClickHouse database name ${JSON.stringify(opts.database)}: expected ${DATABASE_NAME.source}`);
  }
  return opts.url ? openServer(opts, opts.url) : openEmbedded(opts);
}

/** Client configuration for server mode; exported so it can be checked without a server. */
export function serverClientConfig(opts: ClickHouseOptions & { url: string }, database: string | undefined = opts.database): ClickHouseClientConfigOptions {
  return {
    url: opts.url,
    username: opts.username,
    password: opts.password,
    database,
    request_timeout: opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    application: 'apptrail',
  };
}

async function openServer(opts: ClickHouseOptions, url: string): Promise<ClickHouseHandle> {
  // The server rejects every request that names a database it does not have, so the database is
  // created through a client that names none (the user's default database).
  const bootstrap = createClient(serverClientConfig({ ...opts, url }, undefined));
  try {
    await bootstrap.command({ query: 'CREATE DATABASE IF NOT EXISTS {db:Identifier}', query_params: { db: opts.database } });
  } catch (err) {
    throw new Error(`ClickHouse at ${redactUrl(url)}: cannot create database ${opts.database}: ${errorMessage(err)}`, { cause: err });
  } finally {
    await bootstrap.close();
  }
  return toHandle(createClient(serverClientConfig({ ...opts, url })), 'server', opts.database);
}

async function openEmbedded(opts: ClickHouseOptions): Promise<ClickHouseHandle> {
  let connection;
  try {
    connection = await openEmbeddedConnection(opts.dataPath, opts.database);
  } catch (err) {
    throw new Error(`Embedded ClickHouse (chDB) at ${opts.dataPath}: ${errorMessage(err)}`, { cause: err });
  }
  // `database` here only labels telemetry; the session was switched with USE.
  const client = createClient({ connection, database: opts.database });
  return toHandle(client, 'embedded', opts.database, drainEmbedded);
}

function toHandle(client: ClickHouseClient, mode: ClickHouseHandle['mode'], database: string, afterClose?: () => Promise<void>): ClickHouseHandle {
  let closing: Promise<void> | undefined;
  return {
    client,
    mode,
    database,
    async ping() {
      // A SELECT rather than /ping: on a server it also proves the credentials and database.
      const result = await client.ping({ select: true });
      return result.success;
    },
    close() {
      closing ??= (async () => {
        await client.close();
        await afterClose?.();
      })();
      return closing;
    },
  };
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<invalid url>';
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
