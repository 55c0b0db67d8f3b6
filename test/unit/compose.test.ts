import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { CONFIG_KEYS, ConfigSchema, ROLES } from '../../shared/config/index.js';

type Service = { environment?: Record<string, string>; ports?: string[]; image?: string; build?: string };

async function compose(): Promise<{ services: Record<string, Service> }> {
  return parse(await readFile('docker-compose.yml', 'utf8'), { merge: true });
}

test('docker-compose has Kafka, ClickHouse and one service per apptrail role', async () => {
  const { services } = await compose();
  assert.match(services.kafka!.image!, /^apache\/kafka:/);
  assert.match(services.clickhouse!.image!, /^clickhouse\/clickhouse-server:/);
  for (const role of ROLES) assert.ok(services[role], `service ${role}`);
});

test('every apptrail service environment uses only known config keys, with valid values', async () => {
  const { services } = await compose();
  for (const role of ROLES) {
    const env = services[role]!.environment!;
    for (const key of Object.keys(env)) assert.ok((CONFIG_KEYS as string[]).includes(key), `${role}: unknown config key ${key}`);
    assert.equal(env.ROLES, role);
    const withSecrets = { ...env, AUTH_SIGNING_SECRET: 'x'.repeat(32), SECRETS_KEY: Buffer.alloc(32).toString('base64'), AUDIT_CHECKPOINT_KEY: Buffer.alloc(32, 1).toString('base64') };
    const parsed = ConfigSchema.safeParse(withSecrets);
    assert.ok(parsed.success, `${role}: ${parsed.success ? '' : parsed.error.message}`);
  }
});

test('brokers, ClickHouse URL and published ports agree with the services that provide them', async () => {
  const { services } = await compose();
  const kafkaPort = services.kafka!.environment!.KAFKA_ADVERTISED_LISTENERS!.match(/kafka:(\d+)/)![1];
  const chPort = services.clickhouse!.ports![0]!.split(':').at(-1);
  for (const role of ROLES) {
    const env = services[role]!.environment!;
    assert.equal(env.KAFKA_BROKERS, `kafka:${kafkaPort}`, `${role}: KAFKA_BROKERS`);
    assert.equal(new URL(env.CLICKHOUSE_URL!).port, chPort, `${role}: CLICKHOUSE_URL port`);
    assert.equal(env.CLICKHOUSE_USER, services.clickhouse!.environment!.CLICKHOUSE_USER);
  }
  const apiPublished = services.api!.ports![0]!.split(':').at(-1);
  assert.equal(apiPublished, services.api!.environment!.PORT, 'api publishes its PORT');
});

test('one base URL: only the api service publishes a port (its role serves the logs API too: e2e/start)', async () => {
  const { services } = await compose();
  const published = ROLES.filter((role) => (services[role]!.ports ?? []).length > 0);
  assert.deepEqual(published, ['api']);
});

test('every instance shares the keys that cross processes (the api role verifies checkpoints the audit role signs)', async () => {
  const { services } = await compose();
  for (const role of ROLES) {
    const env = services[role]!.environment!;
    for (const key of ['AUTH_SIGNING_SECRET', 'SECRETS_KEY', 'AUDIT_CHECKPOINT_KEY']) assert.match(env[key] ?? '', /^\$\{[A-Z_]+:\?/, `${role}: ${key} from the environment, required`);
  }
});
