import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { eventually, testBrokers } from '../helpers/kafka.js';
import { freePortPair, startAppProcess } from '../helpers/app-process.js';
import { childClickHouseEnv } from '../helpers/clickhouse-target.js';

test('the process starts every role, reports ready on /readyz, and stops cleanly on SIGTERM', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'apptrail-start-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const ch = childClickHouseEnv('start');
  const child = spawn(process.execPath, ['--import', 'tsx', 'services/main.ts'], {
    env: {
      ...process.env,
      ...ch.env,
      KAFKA_BROKERS: testBrokers().join(','),
      KAFKA_TOPIC_PREFIX: `t-${randomUUID().slice(0, 8)}.`,
      DATA_DIR: dataDir,
      PORT: String(port),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  t.after(() => child.kill('SIGKILL'));
  t.after(() => ch.dispose());

  const ready = await eventually(async () => {
    const res = await fetch(`http://127.0.0.1:${port}/readyz`);
    return res.status === 200 ? ((await res.json()) as { status: string; checks: Record<string, { ok: boolean }> }) : undefined;
  }, 60_000, `/readyz (output so far: ${output.slice(-500)})`);
  assert.equal(ready.status, 'ready');
  assert.equal(ready.checks.kafka?.ok, true);
  assert.equal(ready.checks.clickhouse?.ok, true);
  assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);

  const missing = await fetch(`http://127.0.0.1:${port}/nope`);
  assert.equal(missing.status, 404);
  assert.deepEqual(Object.keys((await missing.json()) as object).sort(), ['error', 'errorCode', 'message', 'statusCode']);

  child.kill('SIGTERM');
  assert.equal(await exited, 0, output.slice(-1000));
  // A clean start and stop of a healthy system has nothing an operator must act on.
  const errors = output.split('\n').filter((line) => /"level":(50|60)\b/.test(line));
  assert.deepEqual(errors, [], 'a clean start logs no ERROR or FATAL line');
});

test('a process running only the api role serves the logs API too: one base URL for the whole Management API', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'apptrail-api-only-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const port = await freePortPair();
  const ch = childClickHouseEnv('api_only');
  const app = startAppProcess({
    ...ch.env,
    KAFKA_BROKERS: testBrokers().join(','),
    KAFKA_TOPIC_PREFIX: `t-${randomUUID().slice(0, 8)}.`,
    DATA_DIR: dataDir,
    PORT: String(port),
    ROLES: 'api',
    LOG_LEVEL: 'warn',
  });
  t.after(() => app.kill());
  t.after(() => ch.dispose());
  const headers = { authorization: `Bearer ${await app.token('read:logs')}` };
  const logs = await eventually(async () => {
    const res = await fetch(`${app.origin}/api/v2/logs?per_page=5`, { headers }).catch(() => undefined);
    return res?.status === 200 ? ((await res.json()) as unknown) : undefined;
  }, 60_000, `GET /api/v2/logs on the api role (output so far: ${app.output().slice(-500)})`);
  assert.ok(Array.isArray(logs));
  assert.equal((await fetch(`${app.origin}/api/v2/logs/nope`, { headers })).status, 404);
});

test('the first start of a new machine (its own fresh broker, as `npm start` runs) logs no ERROR', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'apptrail-first-start-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const port = await freePortPair();
  const kafkaPort = await freePortPair();
  const { KAFKA_BROKERS: _shared, ...env } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', 'services/main.ts'], {
    env: { ...env, KAFKA_PORT: String(kafkaPort), DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  t.after(() => child.kill('SIGKILL'));
  await eventually(async () => ((await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status === 200 ? true : undefined), 120_000, `/readyz (output so far: ${output.slice(-500)})`);
  // Past the consumer groups' first joins on the fresh broker, where its coordinator was loading.
  await eventually(async () => (output.includes('bootstrap client created') ? true : undefined), 60_000, 'the bootstrap client');
  child.kill('SIGTERM');
  assert.equal(await exited, 0, output.slice(-1000));
  const errors = output.split('\n').filter((line) => /"level":(50|60)\b/.test(line));
  assert.deepEqual(errors, [], 'a first start logs no ERROR or FATAL line');
});
