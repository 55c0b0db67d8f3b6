import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { ensureKafkaJars, startLocalBroker } from '../../shared/kafka/local-broker.js';

const scratch = mkdtempSync(join(tmpdir(), 'apptrail-local-broker-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

test('the jar cache is reused: a second ensureKafkaJars does not run Maven', { timeout: 300_000 }, async () => {
  const libs = await ensureKafkaJars();
  const spyLog = join(scratch, 'mvn-called');
  const spy = join(scratch, 'mvn-spy');
  writeFileSync(spy, `#!/bin/sh\necho "$@" > '${spyLog}'\nexit 1\n`, { mode: 0o755 });

  assert.equal(await ensureKafkaJars({ mvn: spy }), libs);
  assert.equal(existsSync(spyLog), false, 'mvn was invoked although the jars are cached');
});

test('startLocalBroker: ready for clients, reusable, stops, keeps its data across restarts', { timeout: 180_000 }, async () => {
  const port = await freePort();
  const controllerPort = await freePort();
  const dataDir = join(scratch, 'broker');
  const brokers = [`127.0.0.1:${port}`];
  const topic = 'local-broker-test';

  const broker = await startLocalBroker({ port, controllerPort, dataDir });
  try {
    assert.deepEqual(broker.brokers, brokers);
    assert.equal(broker.reused, false);
    assert.ok(broker.pid !== undefined && isAlive(broker.pid));
    await withAdmin(brokers, (admin) => admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true }));

    // A second start on a port where a broker answers reuses it, and its stop() leaves it alone.
    const again = await startLocalBroker({ port, controllerPort, dataDir });
    assert.equal(again.reused, true);
    await again.stop();
    assert.ok(await withAdmin(brokers, (admin) => admin.listTopics()));
  } finally {
    await broker.stop();
  }
  assert.equal(isAlive(broker.pid), false, 'broker process still alive after stop()');
  assert.equal(await isListening(port), false, 'broker port still open after stop()');

  const restarted = await startLocalBroker({ port, controllerPort, dataDir });
  try {
    assert.equal(restarted.reused, false);
    const topics = await withAdmin(brokers, (admin) => admin.listTopics());
    assert.ok(topics.includes(topic), `topic lost across restart: ${topics.join(', ')}`);
  } finally {
    await restarted.stop();
  }
  assert.equal(await isListening(port), false);
});

type Admin = ReturnType<Kafka['admin']>;

async function withAdmin<T>(brokers: string[], use: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = new Kafka({ clientId: 'local-broker-test', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.disconnect();
  }
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? done(address.port) : fail(new Error('no port'))));
    });
  });
}

function isListening(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => { socket.destroy(); done(true); });
    socket.once('error', () => done(false));
  });
}

function isAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
