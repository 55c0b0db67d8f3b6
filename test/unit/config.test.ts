import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { CONFIG_TABLE_BEGIN, CONFIG_TABLE_END, loadConfig, renderConfigTable } from '../../shared/config/index.js';

test('defaults give the embedded single-process setup', () => {
  const cfg = loadConfig({});
  assert.equal(cfg.HOST, '127.0.0.1');
  assert.equal(cfg.PORT, 3000);
  assert.equal(cfg.KAFKA_BROKERS, undefined);
  assert.equal(cfg.CLICKHOUSE_URL, undefined);
  assert.deepEqual(cfg.ROLES, ['api', 'projector', 'audit', 'exporter']);
});

test('a bad value fails fast and names the key', () => {
  assert.throws(() => loadConfig({ PORT: 'eighty' }), /PORT/);
  assert.throws(() => loadConfig({ ROLES: 'api,bogus' }), /ROLES/);
  assert.throws(() => loadConfig({ CLICKHOUSE_URL: 'not a url' }), /CLICKHOUSE_URL/);
  assert.throws(() => loadConfig({ SECRETS_KEY: 'short' }), /SECRETS_KEY/);
  assert.throws(() => loadConfig({ TLS_CERT_FILE: '/x.pem' }), /TLS_CERT_FILE and TLS_KEY_FILE/);
});

test('lists are split and empty variables count as unset', () => {
  const cfg = loadConfig({ KAFKA_BROKERS: 'a:9092, b:9092', CLICKHOUSE_URL: '' });
  assert.deepEqual(cfg.KAFKA_BROKERS, ['a:9092', 'b:9092']);
  assert.equal(cfg.CLICKHOUSE_URL, undefined);
});

test('README configuration table matches the schema (npm run config:docs)', async () => {
  const readme = await readFile('README.md', 'utf8');
  const table = readme.slice(readme.indexOf(CONFIG_TABLE_BEGIN) + CONFIG_TABLE_BEGIN.length, readme.indexOf(CONFIG_TABLE_END)).trim();
  assert.equal(table, renderConfigTable());
});
