/**
 * chDB (in-process ClickHouse) as a `@clickhouse/client` connection.
 *
 * Constraints of chdb@3.4.0 + @clickhouse/client@1.23.1 (engine 26.7.2), checked on this machine:
 *
 * - One data directory per process. Any number of connections may share the same path (each has
 *   its own session: current database, settings), but opening a different path while one is live
 *   throws `ChdbConnectionError: only one active data directory per process`. After closing every
 *   connection on path A, path B opens fine; `drainPending()` is what waits for a teardown that
 *   `close()` deferred behind a still-running (e.g. aborted) native operation.
 * - close() is idempotent; afterwards query/command/insert throw "ChdbConnection is closed" and
 *   ping() resolves `{ success: false }`. An unclosed connection is closed by chdb's exit hook; the
 *   process still exits.
 * - ping() runs `SELECT 1` (there is no /ping endpoint in process).
 * - The client's `database` option is NOT honoured: it only reaches the HTTP layer. A fresh
 *   connection sits in `default` (which exists). `CREATE DATABASE IF NOT EXISTS {db:Identifier}`
 *   and `USE {db:Identifier}` work with bound identifiers, and USE sticks to that connection.
 * - `clickhouse_settings` are honoured, but chdb applies them as `SET k = v; <query>` on the
 *   connection's session, so they STICK for every later query on that connection. Measured: an
 *   insert with `insert_deduplication_token: 't1'` followed by an insert of different rows with
 *   no token silently dropped the second insert. HTTP-only settings (wait_end_of_query, http_*,
 *   compression) are dropped; `default_format` becomes the result format.
 * - Queries on one connection run one at a time (two 4 s queries took 8 s together), so
 *   serialising them here costs nothing.
 * - request_timeout has no effect (no HTTP); an `abort_signal` rejects at once but the engine runs
 *   the query to completion in the background.
 * - Engine defaults that differ from a ClickHouse server: 64-bit integers come back as JSON
 *   numbers (precision loss past 2^53; `count()` is a number, on a server a string) and
 *   `implicit_select = 1`. Both are reset to the server defaults below so code behaves the same in
 *   both modes. async_insert reads as 1 here; dedup tokens were still honoured.
 * - ReplacingMergeTree + FINAL, OPTIMIZE ... FINAL, TTL, PARTITION BY toYYYYMM(date),
 *   JSONEachRow inserts, `{name:Type}` binding in SELECT and INSERT ... VALUES, and
 *   `insert_deduplication_token` with `non_replicated_deduplication_window` all work.
 * - `client.query()` is fully buffered by chdb before the ResultSet is returned; `stream()` works
 *   but is not O(chunk).
 */
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ClickHouseClientConfigOptions } from '@clickhouse/client';

export type Connection = NonNullable<ClickHouseClientConfigOptions['connection']>;
type Settings = Record<string, unknown> | undefined;

// Server defaults the embedded engine does not share; set once per connection (they stick).
const SERVER_PARITY: Readonly<Record<string, number>> = {
  output_format_json_quote_64bit_integers: 1,
  implicit_select: 0,
};

const SETTING_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Open chDB at `dataPath`, switch the session to `database` (created if missing) and return a
 * connection whose per-call `clickhouse_settings` behave as on a server: they apply to that call
 * only.
 */
export async function openEmbeddedConnection(dataPath: string, database: string): Promise<Connection> {
  const path = resolve(dataPath);
  await mkdir(path, { recursive: true });
  // Loaded lazily so server mode never loads the native addon.
  const { createChdbConnection } = await import('chdb/connection');
  // chdb types this against @clickhouse/client-common@1.23.0, the client against its own vendored
  // copy of the same declarations; `SettingsMap` has a private field, which makes the two copies
  // nominally different types although they are identical.
  const inner = createChdbConnection({ path }) as unknown as Connection;
  try {
    for (const [name, value] of Object.entries(SERVER_PARITY)) {
      await inner.command({ query: `SET ${name} = ${value}` });
    }
    await inner.command({ query: 'CREATE DATABASE IF NOT EXISTS {db:Identifier}', query_params: { db: database } });
    await inner.command({ query: 'USE {db:Identifier}', query_params: { db: database } });
  } catch (err) {
    await inner.close();
    throw err;
  }
  return new SettingsScopedConnection(inner);
}

/** Waits until chdb has really released closed connections, so another path can be opened. */
export async function drainEmbedded(): Promise<void> {
  const { drainPending } = await import('chdb');
  await drainPending();
}

/**
 * Runs each call alone and then resets the settings it carried, so a setting (above all an
 * insert_deduplication_token) can never leak into the next call on the same session.
 */
class SettingsScopedConnection implements Connection {
  #inner: Connection;
  #tail: Promise<unknown> = Promise.resolve();

  constructor(inner: Connection) {
    this.#inner = inner;
  }

  ping(params: Parameters<Connection['ping']>[0]): ReturnType<Connection['ping']> {
    return this.#inner.ping(params);
  }

  query(params: Parameters<Connection['query']>[0]): ReturnType<Connection['query']> {
    return this.#scoped(params.clickhouse_settings, () => this.#inner.query(params));
  }

  insert(params: Parameters<Connection['insert']>[0]): ReturnType<Connection['insert']> {
    return this.#scoped(params.clickhouse_settings, () => this.#inner.insert(params));
  }

  command(params: Parameters<Connection['command']>[0]): ReturnType<Connection['command']> {
    return this.#scoped(params.clickhouse_settings, () => this.#inner.command(params));
  }

  exec(params: Parameters<Connection['exec']>[0]): ReturnType<Connection['exec']> {
    return this.#scoped(params.clickhouse_settings, () => this.#inner.exec(params));
  }

  async close(): Promise<void> {
    // Let queued calls finish: closing under a running native op defers the teardown anyway.
    await this.#tail;
    await this.#inner.close();
  }

  #scoped<T>(settings: Settings, run: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(async () => {
      try {
        return await run();
      } finally {
        await this.#reset(settings);
      }
    });
    this.#tail = result.catch(() => undefined);
    return result;
  }

  async #reset(settings: Settings): Promise<void> {
    for (const name of Object.keys(settings ?? {})) {
      if (!SETTING_NAME.test(name)) continue; // chdb refused it before running anything
      const value = SERVER_PARITY[name];
      const query = `SET ${name} = ${value === undefined ? 'DEFAULT' : String(value)}`;
      // A name the engine does not know was never SET (that call failed), so its reset may fail.
      await this.#inner.command({ query }).catch(() => undefined);
    }
  }
}
