// `npm start` on a new tenant: the process creates its administrative client once, prints the
// credentials once (never in a log line), `npm run token -- --client-id … --client-secret …`
// turns them into a Management API token, and a restart prints nothing. `npm run token` with no
// credentials keeps giving the development token.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { eventually, testBrokers } from '../helpers/kafka.js';
import { freePortPair, startAppProcess, type AppProcess } from '../helpers/app-process.js';

const run = promisify(execFile);
const BOX = /client_id:\s+(\S+)\s+│\n│\s+client_secret:\s+(\S+)/;

test('first start prints one administrative client, whose token manages clients; a restart prints nothing', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'apptrail-bootstrap-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const port = await freePortPair();
  const env = { KAFKA_BROKERS: testBrokers().join(','), KAFKA_TOPIC_PREFIX: `t-${randomUUID().slice(0, 8)}.`, DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'info', OAUTH_ISSUER: `http://127.0.0.1:${port}/` };
  const started: AppProcess[] = [];
  t.after(() => Promise.all(started.map((p) => p.kill())));
  const start = () => {
    const p = startAppProcess(env);
    started.push(p);
    return p;
  };

  const first = start();
  const [, clientId, clientSecret] = await eventually(async () => BOX.exec(first.output()) ?? undefined, 90_000, `the credentials block (output so far: ${first.output().slice(-800)})`);
  assert.ok(clientId && clientSecret);
  assert.equal(first.output().split(clientSecret).length - 1, 2, 'the secret is printed in the block and its command, nowhere else');
  for (const line of first.output().split('\n').filter((l) => l.startsWith('{'))) assert.ok(!line.includes(clientSecret), `a log line holds the secret: ${line}`);

  const tokenEnv = { ...process.env, ...env, AUTH_AUDIENCE: 'http://127.0.0.1/api/v2/' };
  // The printed command, run as printed from another shell: one without the AUTH_AUDIENCE the
  // app was started with (the command must name it, or the token is asked for the default one).
  const printed = /npm run token -- (.+?)\s*│/.exec(first.output())?.[1];
  assert.ok(printed, 'the block prints the token command');
  // As a shell reads it: single quotes around a value (alone or after `--name=`) are removed.
  const args = printed.split(' ').map((a) => a.replace(/^(--[a-z-]+=)?'(.*)'$/, '$1$2'));
  const { AUTH_AUDIENCE: _appAudience, ...shellEnv } = process.env;
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'scripts/token.ts', ...args], { env: shellEnv });
  const token = stdout.trim();
  const clients = await fetch(`${first.origin}/api/v2/clients`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(clients.status, 200);
  assert.ok(((await clients.json()) as Array<{ client_id: string }>).some((c) => c.client_id === clientId));
  const conf = (await (await fetch(`${first.origin}/.well-known/openid-configuration`)).json()) as { token_endpoint: string; jwks_uri: string };
  assert.equal(conf.token_endpoint, `http://127.0.0.1:${port}/oauth/token`);
  assert.equal((await fetch(conf.jwks_uri)).status, 200);

  // The development token still works beside it.
  const dev = (await run(process.execPath, ['--import', 'tsx', 'scripts/token.ts'], { env: { ...tokenEnv, AUTH_SIGNING_SECRET: 'outage-test-signing-secret-0123456789abcdef' } })).stdout.trim();
  assert.equal((await fetch(`${first.origin}/api/v2/clients`, { headers: { authorization: `Bearer ${dev}` } })).status, 200);

  await first.kill('SIGTERM');
  const second = start();
  await eventually(async () => ((await fetch(`${second.origin}/readyz`).catch(() => undefined))?.status === 200 ? true : undefined), 90_000, 'the restart is ready');
  await new Promise((r) => setTimeout(r, 2000));
  assert.ok(!BOX.test(second.output()), 'a restart prints no credentials');
});
