// The test harness's engine choice (scripts/test-engines) and the test helpers' server-mode
// database naming and clean-up (test/helpers/clickhouse-target.ts), checked without Docker.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describePlan, needsDockerProbe, parseContainersOverride, planEngines, type DockerAnswer, type EngineInputs } from '../../scripts/test-engines/select.js';
import { composeImage } from '../../scripts/test-engines/images.js';
import { kafkaContainerEnv, kafkaEnvName, kafkaPropertyName } from '../../scripts/test-engines/kafka-env.js';
import { SINGLE_NODE_SETTINGS } from '../../shared/kafka/local-broker.js';
import { childClickHouseEnv, dropStatement, dropTestDatabase, isTestDatabaseName, serverTargetFromEnv, testDatabaseName } from '../helpers/clickhouse-target.js';

const images = { kafkaImage: 'apache/kafka:4.3.1', clickhouseImage: 'clickhouse/clickhouse-server:26.7' };
const base: EngineInputs = { override: 'auto', needsEngines: true, kafkaGiven: false, clickhouseGiven: false };
const up: DockerAnswer = { answers: true };
const down: DockerAnswer = { answers: false, why: 'Could not find a working container runtime strategy' };

describe('test engine selection', () => {
  it('parses TEST_CONTAINERS strictly', () => {
    assert.equal(parseContainersOverride(undefined), 'auto');
    assert.equal(parseContainersOverride(''), 'auto');
    assert.equal(parseContainersOverride('0'), 'never');
    assert.equal(parseContainersOverride(' 1 '), 'required');
    for (const bad of ['yes', 'true', '2', 'docker']) assert.throws(() => parseContainersOverride(bad), /TEST_CONTAINERS="/);
  });

  it('Docker answers × override: containers, local, or a clear failure', () => {
    assert.deepEqual(planEngines(base, up), { ok: true, kafka: 'container', clickhouse: 'container' });
    assert.deepEqual(planEngines(base, down), { ok: true, kafka: 'local', clickhouse: 'embedded', localBecause: `no Docker engine answered: ${down.why}` });
    assert.deepEqual(planEngines({ ...base, override: 'required' }, up), { ok: true, kafka: 'container', clickhouse: 'container' });
    const required = planEngines({ ...base, override: 'required' }, down);
    assert.equal(required.ok, false);
    assert.match(!required.ok ? required.error : '', /^TEST_CONTAINERS=1 but no Docker engine answered \(Could not find/);
    // TEST_CONTAINERS=0 never asks Docker, whatever it would answer.
    assert.equal(needsDockerProbe({ ...base, override: 'never' }), false);
    assert.deepEqual(planEngines({ ...base, override: 'never' }), { ok: true, kafka: 'local', clickhouse: 'embedded', localBecause: 'TEST_CONTAINERS=0' });
  });

  it('an explicit address wins over containers, per engine', () => {
    assert.deepEqual(planEngines({ ...base, kafkaGiven: true }, up), { ok: true, kafka: 'given', clickhouse: 'container' });
    assert.deepEqual(planEngines({ ...base, kafkaGiven: true }, down).ok && planEngines({ ...base, kafkaGiven: true }, down), { ok: true, kafka: 'given', clickhouse: 'embedded', localBecause: `no Docker engine answered: ${down.why}` });
    assert.equal(needsDockerProbe({ ...base, kafkaGiven: true, clickhouseGiven: true }), false);
    assert.deepEqual(planEngines({ ...base, kafkaGiven: true, clickhouseGiven: true }), { ok: true, kafka: 'given', clickhouse: 'given' });
    assert.deepEqual(planEngines({ ...base, override: 'never', clickhouseGiven: true }), { ok: true, kafka: 'local', clickhouse: 'given', localBecause: 'TEST_CONTAINERS=0' });
  });

  it('unit-only runs neither probe nor start anything', () => {
    for (const override of ['auto', 'never', 'required'] as const) {
      assert.equal(needsDockerProbe({ ...base, override, needsEngines: false }), false);
      assert.equal(planEngines({ ...base, override, needsEngines: false }).ok, true);
    }
  });

  it('every combination yields a plan (or the one failure) and a line naming both engines', () => {
    fc.assert(fc.property(
      fc.constantFrom('auto', 'never', 'required' as const), fc.boolean(), fc.boolean(), fc.boolean(),
      (override, kafkaGiven, clickhouseGiven, answers) => {
        const inputs = { override, needsEngines: true, kafkaGiven, clickhouseGiven } as EngineInputs;
        const plan = planEngines(inputs, needsDockerProbe(inputs) ? (answers ? up : down) : undefined);
        if (!plan.ok) {
          assert.equal(override, 'required');
          assert.equal(answers, false);
          return;
        }
        if (kafkaGiven) assert.equal(plan.kafka, 'given');
        if (clickhouseGiven) assert.equal(plan.clickhouse, 'given');
        if (override === 'never') assert.ok(plan.kafka !== 'container' && plan.clickhouse !== 'container');
        const line = describePlan(plan, images);
        assert.match(line, /^test: kafka = .+ · clickhouse = .+$/);
        if (plan.localBecause) assert.equal(line.split(plan.localBecause).length, 2, 'the reason is told exactly once');
      },
    ));
  });

  it('prints which engines a run used', () => {
    assert.equal(describePlan({ ok: true, kafka: 'local', clickhouse: 'embedded', localBecause: 'no Docker engine answered: x' }, images),
      'test: kafka = local broker (no Docker engine answered: x) · clickhouse = chDB in process');
    assert.equal(describePlan({ ok: true, kafka: 'container', clickhouse: 'container' }, images),
      'test: kafka = testcontainers apache/kafka:4.3.1 · clickhouse = testcontainers clickhouse/clickhouse-server:26.7');
    assert.equal(describePlan({ ok: true, kafka: 'given', clickhouse: 'embedded', localBecause: 'TEST_CONTAINERS=0' }, { ...images, kafkaBrokers: '127.0.0.1:1' }),
      'test: kafka = KAFKA_BROKERS 127.0.0.1:1 · clickhouse = chDB in process (TEST_CONTAINERS=0)');
  });
});

describe('test container configuration', () => {
  it('takes the images docker-compose.yml pins', () => {
    const compose = readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8');
    assert.equal(composeImage(compose, 'kafka'), 'apache/kafka:4.3.1');
    assert.match(composeImage(compose, 'clickhouse'), /^clickhouse\/clickhouse-server:\d+\.\d+/);
    assert.throws(() => composeImage('services: { kafka: { image: "apache/kafka:latest" } }', 'kafka'), /pinned tag/);
    assert.throws(() => composeImage('services: { kafka: { image: "apache/kafka" } }', 'kafka'), /pinned tag/);
    assert.throws(() => composeImage('services: {}', 'kafka'), /pinned tag/);
  });

  it('spells properties as apache/kafka\'s KAFKA_* variables', () => {
    assert.equal(kafkaEnvName('auto.create.topics.enable'), 'KAFKA_AUTO_CREATE_TOPICS_ENABLE');
    assert.equal(kafkaEnvName('a_b.c-d'), 'KAFKA_A__B_C___D');
    // Read back as the image does (the integration test runs the result on the Kafka jars).
    fc.assert(fc.property(
      fc.array(fc.stringMatching(/^[a-z0-9]{1,8}$/), { minLength: 1, maxLength: 6 }), fc.array(fc.constantFrom('.', '_', '-'), { minLength: 5, maxLength: 5 }),
      (words, seps) => {
        const property = words.map((w, i) => (i === 0 ? w : `${seps[i - 1]}${w}`)).join('');
        assert.equal(kafkaPropertyName(kafkaEnvName(property)), property);
      },
    ));
  });

  it('advertises the host port to clients and keeps the broker\'s own traffic inside the container', () => {
    const env = kafkaContainerEnv('localhost', 32901);
    assert.equal(env.KAFKA_ADVERTISED_LISTENERS, 'PLAINTEXT://localhost:32901,BROKER://localhost:9094');
    assert.equal(env.KAFKA_INTER_BROKER_LISTENER_NAME, 'BROKER');
    assert.equal(env.KAFKA_CONTROLLER_QUORUM_VOTERS, '1@localhost:9093');
    // The same one-node settings as the local broker's server.properties.
    for (const [key, value] of Object.entries(SINGLE_NODE_SETTINGS)) assert.equal(env[kafkaEnvName(key)], value, key);
  });
});

describe('test databases on a ClickHouse server', () => {
  it('reads the server from TEST_CLICKHOUSE_*; none means chDB', () => {
    assert.equal(serverTargetFromEnv({}), undefined);
    assert.equal(serverTargetFromEnv({ TEST_CLICKHOUSE_URL: ' ' }), undefined);
    assert.deepEqual(serverTargetFromEnv({ TEST_CLICKHOUSE_URL: 'http://h:8123', TEST_CLICKHOUSE_USER: 'u', TEST_CLICKHOUSE_PASSWORD: 'p' }), { url: 'http://h:8123', username: 'u', password: 'p' });
    assert.deepEqual(childClickHouseEnv('x', {}).env, {}, 'default mode: the child opens chDB under its DATA_DIR');
  });

  it('names are valid identifiers, unique, of this run, and the only ones a clean-up drops', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), fc.stringMatching(/^[a-z0-9]{1,16}$/), fc.string({ minLength: 1, maxLength: 12 }), (label, run, unique) => {
      const name = testDatabaseName(label, run, `${unique}z`);
      assert.match(name, /^[A-Za-z_][A-Za-z0-9_]*$/, 'accepted by createClickHouse');
      assert.ok(name.length <= 96);
      assert.ok(isTestDatabaseName(name, run));
      assert.deepEqual(dropStatement(name), { query: 'DROP DATABASE IF EXISTS {db:Identifier} SYNC', query_params: { db: name } });
    }));
    const a = testDatabaseName('audit', 'r1');
    const b = testDatabaseName('audit', 'r1');
    assert.notEqual(a, b, 'two opens in one process get two databases');
    assert.equal(isTestDatabaseName(a, 'r2'), false, 'another run\'s database is not swept by this run');
    assert.throws(() => testDatabaseName('x', 'Bad-Run'), /test run id/);
  });

  it('never drops a database it did not name', async () => {
    for (const name of ['apptrail', 'default', 'system', 'apptrail_t_', 'apptrail_t_run', 'apptrail_t_run_x_y; DROP', 'x_apptrail_t_r_a_1']) {
      assert.throws(() => dropStatement(name), /refusing to drop/, name);
    }
    const sent: unknown[] = [];
    const client = { command: async (p: unknown) => void sent.push(p) };
    await assert.rejects(dropTestDatabase(client, 'apptrail'), /refusing to drop/);
    assert.deepEqual(sent, []);
    const mine = testDatabaseName('logs api', 'r1');
    await dropTestDatabase(client, mine);
    assert.deepEqual(sent, [{ query: 'DROP DATABASE IF EXISTS {db:Identifier} SYNC', query_params: { db: mine } }]);
  });

  it('a child process gets the server and a database of its own', () => {
    const env = { TEST_CLICKHOUSE_URL: 'http://h:8123', TEST_CLICKHOUSE_USER: 'u', TEST_CLICKHOUSE_PASSWORD: 'p', TEST_RUN_ID: 'abc' };
    const one = childClickHouseEnv('start', env).env;
    const two = childClickHouseEnv('start', env).env;
    assert.equal(one.CLICKHOUSE_URL, 'http://h:8123');
    assert.equal(one.CLICKHOUSE_USER, 'u');
    assert.equal(one.CLICKHOUSE_PASSWORD, 'p');
    assert.ok(isTestDatabaseName(one.CLICKHOUSE_DATABASE!, 'abc'));
    assert.notEqual(one.CLICKHOUSE_DATABASE, two.CLICKHOUSE_DATABASE);
  });
});
