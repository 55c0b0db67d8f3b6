import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readTopic, testBrokers, useKafka, type TestKafka } from '../helpers/kafka.js';
import { newDataDir, startTestApi, type TestApi } from '../helpers/api.js';
import { childClickHouseEnv } from '../helpers/clickhouse-target.js';

interface WorkerResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/** `ch` is what the worker opens: CHDB_PATH (chDB), or a server database (childClickHouseEnv). */
function runWorker(k: TestKafka, ch: Record<string, string>, outFile: string, env: Record<string, string> = {}): Promise<WorkerResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/audit-worker.ts'], {
    env: { ...process.env, KAFKA_BROKERS: testBrokers().join(','), KAFKA_TOPIC_PREFIX: k.prefix, ...ch, OUT_FILE: outFile, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, output })));
}

/** Drives every kind of admin action through the API; returns what the trail must contain. */
async function act(api: TestApi) {
  const secrets: string[] = [];
  const created = [];
  for (const name of ['one', 'two', 'three']) {
    const res = await api.call('POST', '/api/v2/clients', { body: { name } });
    assert.equal(res.status, 201);
    created.push(res.body.client_id as string);
    secrets.push(res.body.client_secret as string);
  }
  const [a, b, c] = created as [string, string, string];
  const custom = 'hand-picked-secret-value-0042';
  secrets.push(custom);
  assert.equal((await api.call('PATCH', `/api/v2/clients/${a}`, { body: { description: 'first' } })).status, 200);
  assert.equal((await api.call('PATCH', `/api/v2/clients/${b}`, { body: { client_secret: custom } })).status, 200);
  const rotated = await api.call('POST', `/api/v2/clients/${c}/rotate-secret`);
  secrets.push(rotated.body.client_secret as string);
  assert.equal((await api.call('DELETE', `/api/v2/clients/${c}`)).status, 204);
  // Reads that reveal secrets are audited; a plain read is not.
  assert.equal((await api.call('GET', `/api/v2/clients/${a}`, { scope: 'read:client_keys' })).status, 200);
  assert.equal((await api.call('GET', '/api/v2/clients', { scope: 'read:client_keys' })).status, 200);
  assert.equal((await api.call('GET', `/api/v2/clients/${a}`, { scope: 'read:clients' })).status, 200);
  // Failures: validation, 403, 404, 401.
  assert.equal((await api.call('POST', '/api/v2/clients', { body: { name: 'x', client_secret: 'sneaky-secret-in-a-bad-body' } })).status, 400);
  secrets.push('sneaky-secret-in-a-bad-body');
  assert.equal((await api.call('PATCH', `/api/v2/clients/${a}`, { scope: 'read:clients', body: { client_secret: 'denied-secret-value' } })).status, 403);
  secrets.push('denied-secret-value');
  assert.equal((await api.call('PATCH', '/api/v2/clients/doesnotexist', { body: { name: 'x' } })).status, 404);
  assert.equal((await api.call('DELETE', `/api/v2/clients/${a}`, { token: null })).status, 401);
  // sapi: the seven client changes, and the tenant's first signing key pair the API made at start.
  return { secrets, expected: { sapi: 8, mgmt_api_read: 2, fapi: 4 }, failureStatuses: [400, 401, 403, 404] };
}

describe('audit trail on the real broker and engine', () => {
  it('writes exactly one entry per admin action, failures included, even when the writer is killed mid-batch', async (t) => {
    const k = await useKafka(t);
    const dir = await newDataDir(t);
    const api = await startTestApi(t, k, { dataDir: dir });
    const { secrets, expected, failureStatuses } = await act(api);
    const total = expected.sapi + expected.mgmt_api_read + expected.fapi;

    // Killed after its first ClickHouse insert, before publishing and committing that batch. The
    // restarted worker opens the same chDB folder, or the same database on the harness's server.
    const server = childClickHouseEnv('audit_trail');
    t.after(() => server.dispose());
    const ch = { CHDB_PATH: join(dir, 'chdb'), ...server.env };
    const crashed = await runWorker(k, ch, join(dir, 'unused.json'), { CRASH_AFTER_INSERT: '1' });
    assert.equal(crashed.signal, 'SIGKILL', crashed.output.slice(-2000));

    const restarted = await runWorker(k, ch, join(dir, 'rows.json'));
    assert.equal(restarted.code, 0, restarted.output.slice(-2000));
    const { rows, physicalRows } = JSON.parse(await readFile(join(dir, 'rows.json'), 'utf8')) as { rows: Array<Record<string, string>>; physicalRows: number };

    assert.equal(rows.length, total, `one entry per action (${physicalRows} physical rows before merges)`);
    assert.equal(new Set(rows.map((r) => r.log_id)).size, total);
    const byType = (type: string) => rows.filter((r) => r.type === type);
    assert.equal(byType('sapi').length, expected.sapi);
    assert.equal(byType('mgmt_api_read').length, expected.mgmt_api_read);
    assert.equal(byType('fapi').length, expected.fapi);
    assert.deepEqual(byType('fapi').map((r) => JSON.parse(r.details!).response.statusCode).sort(), failureStatuses);
    assert.deepEqual(
      byType('sapi').map((r) => r.description).sort(),
      ['Create a client', 'Create a client', 'Create a client', 'Delete a client', 'Generate the application signing keys', 'Rotate a client secret', 'Update a client', 'Update a client'],
    );
    const sapi = byType('sapi').find((r) => r.description === 'Create a client')!;
    assert.equal(sapi.user_id, 'auth0|test-admin');
    assert.equal(sapi.client_id, 'test-app');
    assert.equal(sapi.user_agent, 'apptrail-test/1.0');

    // audit.log carries each entry once: the killed worker's transaction was aborted when the
    // restarted one took over its partitions.
    const published = await readTopic(k, k.names.auditLog, { atLeast: total, settleMs: 1000 });
    assert.equal(published.length, total);
    assert.equal(new Set(published.map((m) => String(m.key))).size, total);

    const everywhere = JSON.stringify(rows) + published.map((m) => String(m.value)).join('\n') + crashed.output + restarted.output + api.logs.join('\n');
    for (const secret of secrets) assert.ok(!everywhere.includes(secret), `secret ${secret.slice(0, 8)}… appears in a row, audit.log record or log line`);
  });
});
