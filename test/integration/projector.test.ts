import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import type { KafkaMessage } from 'kafkajs';
import {
  ClientCreateSchema, ClientStateStore, ClientUpdateSchema, decideCreate, decideDelete, decideRotate, decideUpdate,
  generateClientId, generateClientSecret, toClientEventRecord, type ClientEvent, type ClientState, type EventMeta, type Verdict,
} from '../../shared/clients/index.js';
import { migrate, type ClickHouseHandle } from '../../shared/clickhouse/index.js';
import { createSecretBox } from '../../shared/crypto/secret-box.js';
import { DLQ_HEADERS } from '../../shared/kafka/index.js';
import { migrations } from '../../shared/migrations/index.js';
import { CLIENT_VERSIONS_TABLE, type ClientVersionRow } from '../../shared/client-history/index.js';
import {
  readClientRows, replayProjection, ReplayError, startProjector, type ClientRow, type Projector,
} from '../../services/projector/index.js';
import { eventually, testBrokers, testLog, useKafka, type TestKafka } from '../helpers/kafka.js';
import { childClickHouseEnv, embeddedOnly, openTestClickHouse } from '../helpers/clickhouse-target.js';

// chDB binds one data folder per process: every test here shares the folder made in before(),
// each in a database of its own (on the harness's server, each its own database there).
let dir: string;
let databases = 0;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'apptrail-projector-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function openDatabase(t: TestContext): Promise<ClickHouseHandle> {
  const h = await openTestClickHouse('projector', join(dir, 'chdb'), { embeddedDatabase: `projector_${process.pid}_${++databases}` });
  t.after(() => h.dispose());
  await migrate(h, migrations);
  return h;
}

async function rows<T>(ch: Pick<ClickHouseHandle, 'client'>, query: string): Promise<T[]> {
  return (await ch.client.query({ query, format: 'JSONEachRow' })).json<T>();
}

/** The handle as the projector sees it, with a record of every row it inserts and failure switches. */
function instrument(h: ClickHouseHandle) {
  const spy = {
    written: [] as ClientRow[],
    /** Every client_versions row inserted. */
    versions: [] as ClientVersionRow[],
    /** The next n queries/inserts throw before reaching ClickHouse. */
    down: 0,
    /** The next n inserts reach ClickHouse, then throw (a crash after the insert, before the commit). */
    failAfterInsert: 0,
  };
  const client = new Proxy(h.client, {
    get(target, prop) {
      if (prop === 'insert' || prop === 'query') {
        return async (params: { values?: unknown }) => {
          if (spy.down > 0) {
            spy.down--;
            throw new Error('ClickHouse is down (simulated)');
          }
          if (prop === 'query') return target.query(params as Parameters<ClickHouseClient['query']>[0]);
          const result = await target.insert(params as Parameters<ClickHouseClient['insert']>[0]);
          if ((params as { table?: string }).table === CLIENT_VERSIONS_TABLE) spy.versions.push(...(params.values as ClientVersionRow[]));
          else spy.written.push(...(params.values as ClientRow[]));
          if (spy.failAfterInsert > 0) {
            spy.failAfterInsert--;
            throw new Error('lost the connection after the insert (simulated)');
          }
          return result;
        };
      }
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { ch: { client }, spy };
}

const META: EventMeta = {
  actor: 'auth0|admin', actorclient: 'mgmt-app', actorname: 'Admin', requestid: 'req-1',
  ip: '203.0.113.7', useragent: 'test', method: 'POST', path: '/api/v2/clients',
};

/** Produces events in order and folds them in JS alongside: the expected content of the table. */
class Scenario {
  readonly box = createSecretBox(randomBytes(32));
  readonly expected = new ClientStateStore();
  readonly ids: string[] = [];
  readonly plaintexts: string[] = [];
  readonly verdicts: Verdict[] = [];
  records = 0;

  constructor(private readonly k: TestKafka) {}

  /** A fresh plaintext secret, sealed; the plaintext is remembered so the table can be searched for it. */
  seal(plain = generateClientSecret()): string {
    this.plaintexts.push(plain);
    return this.box.seal(plain);
  }

  state(id: string): ClientState {
    const s = this.expected.get(id);
    assert.ok(s, `no state for ${id}`);
    return s;
  }

  async emit(event: ClientEvent): Promise<Verdict> {
    const { record, id, time } = toClientEventRecord(event, META);
    // One at a time: the expected fold must see the topic's order.
    await this.k.producer.send(this.k.names.clientEvents, record);
    this.records++;
    const { verdict } = this.expected.apply({ id, time, event, meta: META });
    this.verdicts.push(verdict);
    if (!this.ids.includes(event.client_id)) this.ids.push(event.client_id);
    return verdict;
  }

  async poison(key: string, value = '{"specversion":"1.0","not":"a client event"'): Promise<void> {
    await this.k.producer.send(this.k.names.clientEvents, { key, value: Buffer.from(value), headers: { 'content-type': 'application/cloudevents+json' } });
    this.records++;
  }

  async create(body: Record<string, unknown>): Promise<string> {
    const clientId = generateClientId();
    const input = ClientCreateSchema.parse(body);
    const encryptionKeySealed = input.encryption_key ? this.seal(JSON.stringify(input.encryption_key)) : undefined;
    const event = decideCreate(input, { clientId, secretSealed: this.seal(), ...(encryptionKeySealed ? { encryptionKeySealed } : {}) });
    assert.equal(await this.emit(event), 'applied');
    return clientId;
  }

  async update(id: string, patch: Record<string, unknown>): Promise<void> {
    const body = ClientUpdateSchema.parse(patch);
    const secretSealed = body.client_secret !== undefined ? this.seal(body.client_secret) : undefined;
    assert.equal(await this.emit(decideUpdate(this.state(id), body, secretSealed ? { secretSealed } : {})), 'applied');
  }

  get applied(): number {
    return this.verdicts.filter((v) => v === 'applied').length;
  }

  get conflicts(): number {
    return this.verdicts.filter((v) => v === 'conflict').length;
  }

  /** Creates, updates (merged and empty ones too), a rotation, a client_secret PATCH, a delete, four kinds of conflict. */
  async realistic(): Promise<{ shop: string; spa: string; m2m: string; wsfed: string }> {
    const shop = await this.create({ name: 'Shop', app_type: 'regular_web', callbacks: ['https://shop.example.com/cb'] });
    const spa = await this.create({ name: 'Dashboard', app_type: 'spa', allowed_origins: ['https://dash.example.com'] });
    const m2m = await this.create({ name: 'Billing job', app_type: 'non_interactive', grant_types: ['client_credentials'] });
    const wsfed = await this.create({ name: 'Intranet', encryption_key: { pub: 'PUBLIC', cert: 'CERT', subject: 'CN=intranet' } });

    await this.update(shop, { description: 'The shop', callbacks: ['https://shop.example.com/cb2'] });
    const spaV1 = this.state(spa);
    await this.update(spa, { name: 'Dashboard 2' });
    // Decided on a version that is no longer current, writing a field changed since: refused.
    assert.equal(await this.emit(decideUpdate(spaV1, ClientUpdateSchema.parse({ name: 'stale' }))), 'conflict');
    // Just as stale, but writing a field nobody changed since: merged (field-level concurrency).
    // Judged again later it would apply a second time, were it not skipped by its offset.
    assert.equal(await this.emit(decideUpdate(spaV1, ClientUpdateSchema.parse({ description: 'merged' }))), 'applied');
    // A PATCH that changes nothing still counts as a version.
    assert.equal(await this.emit(decideUpdate(this.state(spa), ClientUpdateSchema.parse({ name: 'Dashboard 2' }))), 'applied');
    assert.equal(await this.emit(decideRotate(this.state(shop), { secretSealed: this.seal() })), 'applied');
    await this.update(shop, { client_secret: generateClientSecret() });

    await this.update(wsfed, { encryption_key: null });
    // An event from the future: a conflict now, but it would apply if judged again against the
    // client's final version (the next event is its last), which is what a redelivery does.
    const ahead = decideUpdate(this.state(wsfed), ClientUpdateSchema.parse({ name: 'from the future' }));
    assert.equal(await this.emit({ ...ahead, expected_version: ahead.expected_version + 1 }), 'conflict');
    await this.update(wsfed, { description: 'Intranet portal' });

    assert.equal(await this.emit(decideDelete(this.state(m2m))), 'applied');
    const gone = this.state(m2m);
    assert.equal(await this.emit({ type: 'client.updated', client_id: m2m, expected_version: gone.version, data: { changes: { name: 'zombie' } } }), 'conflict');
    assert.equal(await this.emit({ ...decideCreate(ClientCreateSchema.parse({ name: 'dup' }), { clientId: shop, secretSealed: this.seal() }) }), 'conflict');
    return { shop, spa, m2m, wsfed };
  }
}

/** What the table should hold for each client: the JS fold's state, in the table's column terms. */
function expectedTable(s: Scenario) {
  const utc = (iso: string) => iso.replace('T', ' ').replace('Z', '');
  return [...s.ids].sort().map((id) => {
    const st = s.state(id);
    return {
      client_id: id, version: st.version, deleted: st.deleted, name: st.config.name, app_type: st.config.app_type ?? null,
      is_first_party: st.config.is_first_party, created_at: utc(st.created_at), updated_at: utc(st.updated_at), state: st as unknown,
    };
  });
}

function tableAsStates(table: ClientRow[]) {
  return table.map(({ kafka_topic: _t, kafka_partition: _p, kafka_offset: _o, state, ...cols }) => ({ ...cols, state: JSON.parse(state) as unknown }));
}

/** Until the group's committed offsets reach the end of every partition (rows are written before). */
async function caughtUp(k: TestKafka, groupId: string): Promise<void> {
  const topic = k.names.clientEvents;
  await eventually(async () => {
    const ends = await k.admin.fetchTopicOffsets(topic);
    const [committed] = await k.admin.fetchOffsets({ groupId, topics: [topic] });
    const at = new Map((committed?.partitions ?? []).map((p) => [p.partition, p.offset]));
    return ends.every((e) => e.high === '0' || at.get(e.partition) === e.high) ? true : undefined;
  }, 60_000, `group ${groupId} to commit the end of ${topic}`);
}

async function project(t: TestContext, k: TestKafka, ch: Pick<ClickHouseHandle, 'client'>, groupId: string): Promise<Projector> {
  const p = await startProjector({
    kafka: k.kafka, ch, topics: k.names, producer: k.producer, log: testLog, groupId, retry: { minMs: 20, maxMs: 200 },
  });
  let stopped: Promise<void> | undefined;
  const stop = () => (stopped ??= p.stop());
  // Registered after useKafka's cleanup; stopping explicitly in the test keeps the producer alive meanwhile.
  t.after(stop);
  await p.ready;
  return { ready: p.ready, stop };
}

/** (client_id, version) pairs written more than once. */
function writtenTwice(written: ClientRow[]): string[] {
  const seen = new Map<string, number>();
  for (const r of written) seen.set(`${r.client_id}@${r.version}`, (seen.get(`${r.client_id}@${r.version}`) ?? 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([key]) => key);
}

/** The history as readers see it (FINAL), in key order. */
async function versionRows(h: Pick<ClickHouseHandle, 'client'>): Promise<ClientVersionRow[]> {
  return rows<ClientVersionRow>(h, `SELECT * FROM ${CLIENT_VERSIONS_TABLE} FINAL ORDER BY client_id, version`);
}

describe('projector: clients.events → clients table', () => {
  it('the table equals the JS fold of a realistic sequence, deletions and conflicts included, without clear-text secrets', async (t) => {
    const k = await useKafka(t);
    const h = await openDatabase(t);
    const { ch, spy } = instrument(h);
    const s = new Scenario(k);
    const { m2m } = await s.realistic();

    const group = k.unique('projector');
    const p = await project(t, k, ch, group);
    await caughtUp(k, group);
    await p.stop();

    const table = await readClientRows(h);
    assert.deepEqual(tableAsStates(table), expectedTable(s));
    assert.equal(table.find((r) => r.client_id === m2m)?.deleted, true, 'a deleted client stays as a tombstone row');
    assert.equal(spy.written.length, s.applied, 'one row per applied event; conflicts write nothing');
    assert.equal(s.conflicts, 4);
    for (const r of table) assert.equal(r.kafka_topic, k.names.clientEvents);

    // Every row ever written, not only the newest ones: no plaintext anywhere, sealed values present.
    const everything = JSON.stringify(await rows(h, 'SELECT * FROM clients'));
    for (const plain of s.plaintexts) assert.ok(!everything.includes(plain), 'a plaintext secret reached the table');
    assert.ok(s.plaintexts.length >= 6);
    assert.match(everything, /v1\.[0-9a-f]{8}\./, 'secrets are there, sealed');

    // The history: one row per applied event, versions 1..n per client, the same secrets rule.
    const history = await versionRows(h);
    assert.equal(history.length, s.applied);
    assert.equal(spy.versions.length, s.applied);
    for (const id of s.ids) {
      const versions = history.filter((r) => r.client_id === id).map((r) => Number(r.version));
      assert.deepEqual(versions, versions.map((_, i) => i + 1), `${id}: versions 1..n`);
    }
    const allHistory = JSON.stringify(await rows(h, `SELECT * FROM ${CLIENT_VERSIONS_TABLE}`));
    for (const plain of s.plaintexts) assert.ok(!allHistory.includes(plain), 'a plaintext secret reached client_versions');
    assert.match(allHistory, /REDACTED/, 'secret changes are shown redacted');
  });

  it('a restarted projector in the same group continues where it stopped and writes nothing twice', async (t) => {
    const k = await useKafka(t);
    const h = await openDatabase(t);
    const { ch, spy } = instrument(h);
    const s = new Scenario(k);
    const group = k.unique('projector');
    const { shop, spa } = await s.realistic();

    const first = await project(t, k, ch, group);
    await caughtUp(k, group);
    await first.stop();

    await s.update(shop, { description: 'Shop, second run' });
    await s.emit(decideDelete(s.state(spa)));
    const later = await s.create({ name: 'Later', app_type: 'native' });
    await s.update(later, { callbacks: ['com.example.app://callback'] });

    const second = await project(t, k, ch, group);
    await caughtUp(k, group);
    await second.stop();

    assert.deepEqual(tableAsStates(await readClientRows(h)), expectedTable(s));
    assert.equal(spy.written.length, s.applied);
    assert.deepEqual(writtenTwice(spy.written), []);
    // Background merges may only remove rows, so no duplicate here means none was stored.
    assert.deepEqual(await rows(h, 'SELECT client_id, version, count() AS n FROM clients GROUP BY client_id, version HAVING n > 1'), []);
  });

  it('redelivered batches change nothing: a failure after the insert, and a group reset to offset 0', async (t) => {
    const k = await useKafka(t);
    const h = await openDatabase(t);
    const { ch, spy } = instrument(h);
    const s = new Scenario(k);
    await s.realistic();
    const group = k.unique('projector');

    // The first insert lands but the batch "fails" before its commit: the runner redelivers it.
    spy.failAfterInsert = 1;
    const first = await project(t, k, ch, group);
    await caughtUp(k, group);
    await first.stop();
    assert.equal(spy.failAfterInsert, 0, 'the simulated failure happened');
    const snapshot = await readClientRows(h);
    const history = await versionRows(h);
    assert.equal(history.length, s.applied);
    assert.deepEqual(tableAsStates(snapshot), expectedTable(s));
    assert.deepEqual(writtenTwice(spy.written), []);

    // A crash before any commit reaches the broker: the whole topic comes again.
    await k.admin.resetOffsets({ groupId: group, topic: k.names.clientEvents, earliest: true });
    const writtenBefore = spy.written.length;
    const second = await project(t, k, ch, group);
    await caughtUp(k, group);
    await second.stop();

    assert.equal(spy.written.length, writtenBefore, 'nothing written on redelivery (the event from the future stayed a conflict)');
    assert.deepEqual(await readClientRows(h), snapshot);
    await h.client.command({ query: 'OPTIMIZE TABLE clients FINAL' });
    assert.deepEqual(await readClientRows(h), snapshot);
    assert.deepEqual(await rows(h, 'SELECT client_id, count() AS n FROM clients GROUP BY client_id HAVING n > 1'), []);
    assert.deepEqual(await versionRows(h), history, 'the history is unchanged by redelivery');
  });

  it('keeps retrying while ClickHouse fails and loses nothing', async (t) => {
    const k = await useKafka(t);
    const h = await openDatabase(t);
    const { ch, spy } = instrument(h);
    const s = new Scenario(k);
    await s.realistic();
    spy.down = 8;

    const group = k.unique('projector');
    const p = await project(t, k, ch, group);
    await caughtUp(k, group);
    await p.stop();

    assert.equal(spy.down, 0, 'the outage happened');
    assert.deepEqual(tableAsStates(await readClientRows(h)), expectedTable(s));
  });

  it('sends a poison record to the dead-letter topic and keeps projecting the partition', async (t) => {
    const k = await useKafka(t);
    const h = await openDatabase(t);
    const s = new Scenario(k);
    const id = await s.create({ name: 'Before poison' });
    // Same key, so the same partition as the client's events.
    await s.poison(id);
    await s.update(id, { name: 'After poison' });

    const group = k.unique('projector');
    const p = await project(t, k, h, group);
    await caughtUp(k, group);
    await p.stop();

    assert.deepEqual(tableAsStates(await readClientRows(h)), expectedTable(s));
    assert.equal(s.state(id).config.name, 'After poison');

    const dead: KafkaMessage[] = [];
    const reader = k.kafka.consumer({ groupId: k.unique('dlq-reader') });
    await reader.connect();
    t.after(() => reader.disconnect());
    await reader.subscribe({ topic: k.names.deadLetters, fromBeginning: true });
    await reader.run({ eachMessage: async ({ message }) => void dead.push(message) });
    await eventually(() => (dead.length > 0 ? true : undefined), 30_000, 'the dead letter');
    assert.equal(dead.length, 1);
    assert.equal(dead[0]!.value!.toString(), '{"specversion":"1.0","not":"a client event"');
    assert.equal(dead[0]!.headers![DLQ_HEADERS.group]!.toString(), group);
    assert.match(dead[0]!.headers![DLQ_HEADERS.error]!.toString(), /PoisonRecordError/);
  });

  it('replay rebuilds exactly the live table (and removes what the topic does not justify)', async (t) => {
    const k = await useKafka(t);
    const h = await openDatabase(t);
    const s = new Scenario(k);
    const { shop } = await s.realistic();
    await s.poison(shop);
    await s.update(shop, { description: 'after the poison' });

    const group = k.unique('projector');
    const live = await project(t, k, h, group);
    await caughtUp(k, group);
    await assert.rejects(
      replayProjection({ kafka: k.kafka, ch: h, topic: k.names.clientEvents, log: testLog, projectorGroupId: group }),
      (err) => err instanceof ReplayError && /is running with 1 member/.test(err.message),
    );
    await live.stop();
    const snapshot = await readClientRows(h);
    assert.deepEqual(tableAsStates(snapshot), expectedTable(s));
    const history = await versionRows(h);
    assert.equal(history.length, s.applied);

    // Damage the live table: a bogus newer version of a real client, and a client no event made.
    const [victim] = snapshot;
    assert.ok(victim);
    await h.client.insert({
      table: 'clients', format: 'JSONEachRow',
      values: [{ ...victim, version: 999, name: 'tampered' }, { ...victim, client_id: 'not-in-the-topic', version: 1 }],
    });
    await h.client.insert({ table: CLIENT_VERSIONS_TABLE, format: 'JSONEachRow', values: [{ ...history[0]!, version: 999 }, { ...history[0]!, client_id: 'not-in-the-topic' }] });

    const progress: { total?: number; updates: number[]; stopped: boolean } = { updates: [], stopped: false };
    const result = await replayProjection({
      kafka: k.kafka, ch: h, topic: k.names.clientEvents, log: testLog, projectorGroupId: group,
      progress: (total) => {
        progress.total = total;
        return { update: (done) => void progress.updates.push(done), stop: () => void (progress.stopped = true) };
      },
    });
    // The progress figure: records to read from the captured end offsets, reached exactly, never going back.
    assert.equal(progress.total, s.records);
    assert.equal(progress.updates.at(-1), s.records);
    assert.ok(progress.updates.every((done, i) => i === 0 || done > progress.updates[i - 1]!), 'progress only grows');
    assert.ok(progress.stopped);
    assert.deepEqual(await readClientRows(h), snapshot, 'replay = live, row for row, source positions included');
    assert.deepEqual(await versionRows(h), history, 'replayed history = live history, row for row');
    assert.deepEqual(await rows(h, "SELECT name FROM system.tables WHERE database = currentDatabase() AND name LIKE 'client_versions%' ORDER BY name"), [{ name: 'client_versions' }]);
    const { durationMs: _d, ...counts } = result;
    assert.deepEqual(counts, {
      topic: k.names.clientEvents, partitions: 3, records: s.records, applied: s.applied, conflicts: s.conflicts,
      poison: 1, clients: s.ids.length, deleted: 1,
    });
    assert.deepEqual(await rows(h, "SELECT name FROM system.tables WHERE database = currentDatabase() AND name LIKE 'clients%' ORDER BY name"), [{ name: 'clients' }]);

    // The live projector resumes on the rebuilt table.
    await s.update(shop, { name: 'Shop after replay' });
    const again = await project(t, k, h, group);
    await caughtUp(k, group);
    await again.stop();
    assert.deepEqual(tableAsStates(await readClientRows(h)), expectedTable(s));
  });

  it('replays an empty topic into an empty table', async (t) => {
    const k = await useKafka(t);
    const h = await openDatabase(t);
    const result = await replayProjection({ kafka: k.kafka, ch: h, topic: k.names.clientEvents, log: testLog });
    assert.equal(result.records, 0);
    assert.equal(result.clients, 0);
    assert.deepEqual(await readClientRows(h), []);
    await assert.rejects(replayProjection({ kafka: k.kafka, ch: h, topic: k.unique('missing'), log: testLog }), /does not exist/);
  });

  const replayEnv = (k: TestKafka) => ({
    ...process.env, LOG_LEVEL: '', KAFKA_BROKERS: testBrokers().join(','), KAFKA_TOPIC_PREFIX: k.prefix,
    CLICKHOUSE_URL: '', CLICKHOUSE_DATABASE: 'replay_cli',
  });

  it('npm run replay refuses in one line while another process holds the chDB folder',
    embeddedOnly('it is about the embedded engine\'s one-process folder lock, which a server does not have'), async (t) => {
      const k = await useKafka(t);
      const h = await openDatabase(t); // this process now holds <dir>/chdb
      const locked = await runReplay({ ...replayEnv(k), DATA_DIR: dir });
      assert.equal(locked.code, 1);
      assert.equal(locked.stdout, '');
      assert.equal(locked.stderr.trim().split('\n').length, 1, locked.stderr);
      assert.match(locked.stderr, new RegExp(`^replay: the embedded ClickHouse folder .*chdb is in use by process ${process.pid} \\(is \`npm start\` running\\?\\)`));
      assert.ok(await h.ping(), 'the other process never touched our folder');
    });

  it('npm run replay prints one summary line on stdout, and on stderr at most its progress lines', async (t) => {
    const k = await useKafka(t);
    const s = new Scenario(k);
    await s.realistic();
    const own = await mkdtemp(join(tmpdir(), 'apptrail-replay-cli-'));
    t.after(() => rm(own, { recursive: true, force: true }));
    // chDB in its own DATA_DIR, or a database of its own on the harness's server.
    const server = childClickHouseEnv('replay_cli');
    t.after(() => server.dispose());
    const ok = await runReplay({ ...replayEnv(k), DATA_DIR: own, ...server.env });
    const database = server.env.CLICKHOUSE_DATABASE ?? 'replay_cli';
    const mode = server.env.CLICKHOUSE_URL ? 'server' : 'embedded';
    assert.equal(ok.code, 0, ok.stderr);
    for (const line of ok.stderr.split('\n').filter(Boolean)) assert.match(line, /^replay: progress /);
    assert.equal(ok.stdout.trim().split('\n').length, 1, ok.stdout);
    assert.match(ok.stdout, new RegExp(`^replay: rebuilt ${database}\\.clients \\(${mode}\\) from ${k.names.clientEvents.replaceAll('.', '\\.')} \\(3 partitions\\): ${s.records} records, ${s.applied} applied, ${s.conflicts} conflicts, 0 unreadable; ${s.ids.length} clients \\(1 deleted\\), ${s.applied} versions in client_versions, in `));
  });
});

function runReplay(env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'services/projector/replay.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
