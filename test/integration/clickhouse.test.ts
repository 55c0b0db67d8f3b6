import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClickHouse, migrate, serverClientConfig } from '../../shared/clickhouse/index.js';
import type { ClickHouseHandle, Migration } from '../../shared/clickhouse/index.js';
import { dropRunDatabasesWith, dropTestDatabase, embeddedOnly, openTestClickHouse, testDatabaseName } from '../helpers/clickhouse-target.js';

// chDB binds one data folder per process: tests here run one after another, each closing its
// handle before the next opens another folder. Under a harness that provides a ClickHouse server,
// withHandle opens a database of its own there instead (the HTTP path of @clickhouse/client).
const FOLDER_LOCK = 'it is about the embedded engine\'s data folder and its one-folder-per-process lock';

async function withFolder<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'apptrail-ch-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function withHandle<T>(fn: (h: ClickHouseHandle, dir: string) => Promise<T>): Promise<T> {
  return withFolder(async (dir) => {
    const h = await openTestClickHouse('ch_test', join(dir, 'ch'), { embeddedDatabase: 'apptrail_test' });
    try {
      return await fn(h, dir);
    } finally {
      await h.dispose();
    }
  });
}

async function rows<T>(h: ClickHouseHandle, query: string, query_params?: Record<string, unknown>): Promise<T[]> {
  const rs = await h.client.query({ query, query_params, format: 'JSONEachRow' });
  return rs.json<T>();
}

const migrations: Migration[] = [
  {
    version: 1,
    name: 'events',
    up: ['CREATE TABLE IF NOT EXISTS events (id String, v UInt32) ENGINE = MergeTree ORDER BY id'],
  },
  {
    version: 2,
    name: 'entries with ttl',
    up: ({ settings }) => [
      `CREATE TABLE IF NOT EXISTS entries (id String, date DateTime)
       ENGINE = ReplacingMergeTree PARTITION BY toYYYYMM(date) ORDER BY id
       TTL date + INTERVAL ${Number(settings.retention_days)} DAY`,
    ],
  },
];

async function tableDefinitions(h: ClickHouseHandle) {
  return rows<{ name: string; create_table_query: string }>(
    h,
    'SELECT name, create_table_query FROM system.tables WHERE database = {db:String} ORDER BY name',
    { db: h.database },
  );
}

test('embedded factory returns a working client bound to its database', embeddedOnly(FOLDER_LOCK), async () => {
  await withHandle(async (h, dir) => {
    assert.equal(h.mode, 'embedded');
    assert.equal(await h.ping(), true);
    assert.ok((await stat(join(dir, 'ch'))).isDirectory());
    const [row] = await rows<{ db: string; n: string }>(h, 'SELECT currentDatabase() AS db, count() AS n FROM system.one');
    // count() is UInt64: quoted as on a ClickHouse server, not a lossy JSON number.
    assert.deepEqual(row, { db: 'apptrail_test', n: '1' });

    await h.close();
    await h.close();
    assert.equal(await h.ping(), false);
  });
});

test('two handles may share a folder; another folder is refused while one is open', embeddedOnly(FOLDER_LOCK), async () => {
  await withHandle(async (h, dir) => {
    const second = await createClickHouse({ database: 'apptrail_test', dataPath: join(dir, 'ch') });
    try {
      await h.client.command({ query: 'CREATE TABLE shared (x UInt8) ENGINE = MergeTree ORDER BY x' });
      assert.deepEqual(await rows(second, 'SELECT count() AS n FROM shared'), [{ n: '0' }]);
    } finally {
      await second.close();
    }
    assert.equal(await h.ping(), true, 'closing one handle leaves the other working');
    await assert.rejects(
      createClickHouse({ database: 'apptrail_test', dataPath: join(dir, 'other') }),
      /only one active data directory per process/,
    );
  });
});

test('invalid database names are refused before anything is opened', async () => {
  await assert.rejects(createClickHouse({ database: 'x`; DROP', dataPath: join(tmpdir(), 'unused') }), /Invalid ClickHouse database name/);
});

test('migrations applied twice do no harm', async () => {
  await withHandle(async (h) => {
    const settings = { retention_days: 30 };
    assert.deepEqual(await migrate(h, migrations, undefined, settings), { applied: [1, 2] });
    const before = await tableDefinitions(h);
    assert.deepEqual(before.map((t) => t.name), ['entries', 'events', 'schema_migrations']);
    assert.match(before.find((t) => t.name === 'entries')?.create_table_query ?? '', /TTL date \+ toIntervalDay\(30\)/);

    assert.deepEqual(await migrate(h, migrations, undefined, settings), { applied: [] });
    assert.deepEqual(await tableDefinitions(h), before);
    // Without FINAL: no second bookkeeping row was ever written.
    const book = await rows<{ version: number }>(h, 'SELECT version FROM schema_migrations ORDER BY version');
    assert.deepEqual(book, [{ version: 1 }, { version: 2 }]);
  });
});

test('a migration edited after it was applied is refused', async () => {
  await withHandle(async (h) => {
    const first = migrations[0];
    assert.ok(first);
    await migrate(h, [first]);
    const edited: Migration = { ...first, up: ['CREATE TABLE IF NOT EXISTS events (id String) ENGINE = MergeTree ORDER BY id'] };
    const later: Migration = { version: 3, name: 'later', up: ['CREATE TABLE IF NOT EXISTS later (x UInt8) ENGINE = MergeTree ORDER BY x'] };
    await assert.rejects(migrate(h, [edited, later]), /Migration 1 \(events\) was changed after it was applied/);
    const names = (await tableDefinitions(h)).map((t) => t.name);
    assert.ok(!names.includes('later'), 'nothing is applied once a checksum mismatch is found');
  });
});

test('query parameters are bound as values, never as SQL', async () => {
  await withHandle(async (h) => {
    await h.client.command({ query: 'CREATE TABLE people (name String) ENGINE = MergeTree ORDER BY name' });
    const hostile = "x' OR 1=1 --";
    await h.client.insert({ table: 'people', values: [{ name: 'alice' }, { name: 'bob' }], format: 'JSONEachRow' });
    const query = 'SELECT name FROM people WHERE name = {name:String}';

    assert.deepEqual(await rows(h, query, { name: hostile }), []);
    await h.client.insert({ table: 'people', values: [{ name: hostile }], format: 'JSONEachRow' });
    assert.deepEqual(await rows(h, query, { name: hostile }), [{ name: hostile }]);
  });
});

test('ReplacingMergeTree keeps one row per key under FINAL', async () => {
  await withHandle(async (h) => {
    await h.client.command({
      query: 'CREATE TABLE entries (log_id String, v UInt32) ENGINE = ReplacingMergeTree ORDER BY log_id',
    });
    for (let i = 0; i < 2; i++) {
      await h.client.insert({ table: 'entries', values: [{ log_id: 'l1', v: 1 }], format: 'JSONEachRow' });
    }
    assert.deepEqual(await rows(h, 'SELECT log_id FROM entries FINAL'), [{ log_id: 'l1' }]);
  });
});

test('per-call settings apply to that call only (a dedup token never leaks)', async () => {
  await withHandle(async (h) => {
    await h.client.command({
      query: 'CREATE TABLE batches (id UInt32) ENGINE = MergeTree ORDER BY id SETTINGS non_replicated_deduplication_window = 100',
    });
    const token = { insert_deduplication_token: 'batch-1' };
    await h.client.insert({ table: 'batches', values: [{ id: 1 }], format: 'JSONEachRow', clickhouse_settings: token });
    await h.client.insert({ table: 'batches', values: [{ id: 1 }, { id: 9 }], format: 'JSONEachRow', clickhouse_settings: token });
    // chdb applies settings as a session SET; without the reset this insert would reuse batch-1
    // and be dropped.
    await h.client.insert({ table: 'batches', values: [{ id: 2 }], format: 'JSONEachRow' });
    // Issued together: the untokened insert must not run between the other's SET and its reset.
    await Promise.all([
      h.client.insert({ table: 'batches', values: [{ id: 3 }], format: 'JSONEachRow', clickhouse_settings: { insert_deduplication_token: 'batch-2' } }),
      h.client.insert({ table: 'batches', values: [{ id: 4 }], format: 'JSONEachRow' }),
    ]);
    assert.deepEqual(await rows(h, 'SELECT id FROM batches ORDER BY id'), [{ id: 1 }, { id: 2 }, { id: 3 }, { id: 4 }]);

    const [scoped] = await h.client
      .query({ query: "SELECT getSetting('max_threads') AS m", format: 'JSONEachRow', clickhouse_settings: { max_threads: 1 } })
      .then((rs) => rs.json<{ m: number }>());
    assert.equal(scoped?.m, 1);
    const [after] = await rows<{ m: number }>(h, "SELECT getSetting('max_threads') AS m");
    assert.notEqual(after?.m, 1);
  });
});

test('server mode: config is built from the options', () => {
  const config = serverClientConfig({
    url: 'https://ch.example:8443',
    username: 'apptrail',
    password: 'pw',
    database: 'apptrail',
    dataPath: '/unused',
    requestTimeoutMs: 1234,
  });
  assert.equal(config.url, 'https://ch.example:8443');
  assert.equal(config.username, 'apptrail');
  assert.equal(config.password, 'pw');
  assert.equal(config.database, 'apptrail');
  assert.equal(config.request_timeout, 1234);
  assert.equal(config.connection, undefined);
});

test('server mode: an unreachable server fails fast with a clear error', async () => {
  const port = await closedPort();
  await assert.rejects(
    createClickHouse({
      url: `http://apptrail:secret@127.0.0.1:${port}`,
      database: 'apptrail',
      dataPath: join(tmpdir(), 'unused'),
      requestTimeoutMs: 2000,
    }),
    (err: Error) => {
      assert.match(err.message, new RegExp(`ClickHouse at http://apptrail:\\*\\*\\*@127\\.0\\.0\\.1:${port}/: cannot create database apptrail`));
      assert.ok(!err.message.includes('secret'), 'the password is not in the message');
      return true;
    },
  );
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address && typeof address === 'object');
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return address.port;
}

test('the test-database clean-up drops exactly one run\'s databases, names bound as identifiers', async () => {
  await withHandle(async (h) => {
    const run = randomBytes(4).toString('hex');
    const mine = [testDatabaseName('one', run), testDatabaseName('two', run)];
    const other = testDatabaseName('one', `${run}x`);
    for (const db of [...mine, other]) await h.client.command({ query: 'CREATE DATABASE {db:Identifier}', query_params: { db } });
    try {
      assert.deepEqual(await dropRunDatabasesWith(h.client, run), [...mine].sort());
      const left = await rows<{ name: string }>(h, 'SELECT name FROM system.databases WHERE has({names:Array(String)}, name)', { names: [...mine, other] });
      assert.deepEqual(left, [{ name: other }], 'another run\'s database is left alone');
    } finally {
      await dropTestDatabase(h.client, other);
    }
  });
});
