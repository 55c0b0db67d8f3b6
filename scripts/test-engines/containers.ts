/**
 * The testcontainers side of the harness: a Docker probe that never hangs, and the two containers.
 * Kept thin (configuration lives in kafka-env.ts and images.ts, unit-tested); loaded only when a
 * run may use Docker, since it pulls in dockerode.
 *
 * KafkaContainer from @testcontainers/kafka (11.x) drives Confluent's cp-kafka start scripts
 * (/etc/confluent/docker/run) and treats tags below 8.0.0 as ZooKeeper images, so it cannot run
 * apache/kafka:4.x; a GenericContainer with the listeners of kafka-env.ts does.
 */
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { DockerAnswer } from './select.js';
import { KAFKA_CONTAINER_PORTS, kafkaContainerEnv } from './kafka-env.js';

export interface Started {
  stop(): Promise<void>;
}

export async function probeDocker(timeoutMs = 5_000): Promise<DockerAnswer> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<DockerAnswer>((resolve) => {
    timer = setTimeout(() => resolve({ answers: false, why: `no answer within ${timeoutMs / 1000}s` }), timeoutMs);
    timer.unref();
  });
  const probe = (async (): Promise<DockerAnswer> => {
    try {
      const { getContainerRuntimeClient } = await import('testcontainers');
      await getContainerRuntimeClient();
      return { answers: true };
    } catch (err) {
      return { answers: false, why: (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? 'unknown error' };
    }
  })();
  try {
    return await Promise.race([probe, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startKafkaContainer(image: string): Promise<Started & { brokers: string }> {
  const { GenericContainer, Wait, getContainerRuntimeClient } = await import('testcontainers');
  const host = (await getContainerRuntimeClient()).info.containerRuntime.host;
  const hostPort = await freePort();
  const container = await new GenericContainer(image)
    .withEnvironment(kafkaContainerEnv(host, hostPort))
    .withExposedPorts({ container: KAFKA_CONTAINER_PORTS.client, host: hostPort })
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
    .withStartupTimeout(120_000)
    .start();
  return { brokers: `${host}:${hostPort}`, stop: async () => { await container.stop(); } };
}

export async function startClickHouseContainer(image: string): Promise<Started & { url: string; username: string; password: string }> {
  const { ClickHouseContainer } = await import('@testcontainers/clickhouse');
  const password = randomBytes(12).toString('hex');
  const container = await new ClickHouseContainer(image).withUsername('apptrail').withPassword(password).withDatabase('apptrail').start();
  return { url: container.getHttpUrl(), username: container.getUsername(), password, stop: async () => { await container.stop(); } };
}
