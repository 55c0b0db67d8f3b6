// The Kafka container's configuration, run without Docker: the KAFKA_* variables the harness gives
// apache/kafka (scripts/test-engines/kafka-env.ts), turned back into server.properties as that
// image does, run on the same Kafka version's jars, must accept clients on the advertised address
// and carry a transaction (whose markers the broker sends itself over the inter-broker listener).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { ensureKafkaJars, isKafka } from '../../shared/kafka/local-broker.js';
import { kafkaContainerEnv, kafkaPropertyName } from '../../scripts/test-engines/kafka-env.js';
import { eventually } from '../helpers/kafka.js';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

test('the Kafka container\'s settings make a broker that serves clients and transactions', async (t) => {
  // Undone last-in first-out: clients disconnect before the broker dies, the folder goes last.
  const cleanups: Array<() => Promise<unknown>> = [];
  t.after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });
  const dir = await mkdtemp(join(tmpdir(), 'apptrail-kafka-container-config-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const ports = { client: await freePort(), controller: await freePort(), broker: await freePort() };
  const env = kafkaContainerEnv('127.0.0.1', ports.client, ports);
  const properties = join(dir, 'server.properties');
  await writeFile(properties, [...Object.entries(env).map(([name, value]) => `${kafkaPropertyName(name)}=${value}`), `log.dirs=${join(dir, 'data')}`].join('\n') + '\n');

  const classpath = join(await ensureKafkaJars(), '*');
  const format = spawnSync('java', ['-cp', classpath, 'kafka.tools.StorageTool', 'format', '-t', randomBytes(16).toString('base64url'), '-c', properties], { encoding: 'utf8' });
  assert.equal(format.status, 0, format.stderr);
  const broker = spawn('java', ['-Xmx256m', '-cp', classpath, 'kafka.Kafka', properties], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  broker.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => broker.once('exit', resolve));
  cleanups.push(async () => {
    broker.kill('SIGKILL');
    await exited;
  });
  const brokers = [`127.0.0.1:${ports.client}`];
  await eventually(async () => ((await isKafka(brokers)) ? true : undefined), 60_000, `the broker on ${brokers[0]} (stderr: ${stderr.slice(-500)})`);

  const kafka = new Kafka({ brokers, clientId: 'container-config', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  cleanups.push(() => admin.disconnect());
  const topic = `t-${randomUUID().slice(0, 8)}`;
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });

  const producer = kafka.producer({ transactionalId: `tx-${topic}`, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  cleanups.push(() => producer.disconnect());
  const tx = await producer.transaction();
  await tx.send({ topic, messages: [{ key: 'k', value: 'committed' }] });
  await tx.commit();

  const consumer = kafka.consumer({ groupId: `g-${topic}`, readUncommitted: false });
  await consumer.connect();
  cleanups.push(() => consumer.disconnect());
  await consumer.subscribe({ topic, fromBeginning: true });
  const values: string[] = [];
  await consumer.run({ eachMessage: async ({ message }) => void values.push(String(message.value)) });
  // A read-committed consumer only gets past the record once the commit marker is written.
  await eventually(() => (values.length > 0 ? true : undefined), 30_000, 'the committed record');
  assert.deepEqual(values, ['committed']);
});
