import { SINGLE_NODE_SETTINGS } from '../../shared/kafka/local-broker.js';

/** Ports inside the apache/kafka container. */
export const KAFKA_CONTAINER_PORTS = { client: 9092, controller: 9093, broker: 9094 } as const;

/**
 * apache/kafka's image turns KAFKA_* variables into server.properties: `.` is written `_`, `_` is
 * written `__` and `-` is written `___`.
 */
export function kafkaEnvName(property: string): string {
  return `KAFKA_${property.replaceAll('_', '__').replaceAll('-', '___').replaceAll('.', '_').toUpperCase()}`;
}

/** The property a KAFKA_* variable sets (the inverse of kafkaEnvName for Kafka's property names). */
export function kafkaPropertyName(envName: string): string {
  if (!envName.startsWith('KAFKA_')) throw new Error(`${envName} is not a KAFKA_* variable`);
  return envName.slice('KAFKA_'.length).toLowerCase().replaceAll('___', '-').replaceAll('__', '\0').replaceAll('_', '.').replaceAll('\0', '_');
}

/**
 * The one-node KRaft broker the harness runs in a container. Clients reach it on the host at
 * `advertisedHost:hostPort` (a fixed host port, known before start, because the advertised address
 * is part of the configuration). The broker's own connections (transaction markers to partition
 * leaders, i.e. to itself) use a separate listener advertised inside the container: the host's
 * address may not be reachable from in there.
 */
export function kafkaContainerEnv(advertisedHost: string, hostPort: number, ports: { client: number; controller: number; broker: number } = KAFKA_CONTAINER_PORTS): Record<string, string> {
  const { client, controller, broker } = ports;
  const env: Record<string, string> = {
    KAFKA_NODE_ID: '1',
    KAFKA_PROCESS_ROLES: 'broker,controller',
    KAFKA_LISTENERS: `PLAINTEXT://:${client},BROKER://:${broker},CONTROLLER://:${controller}`,
    KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://${advertisedHost}:${hostPort},BROKER://localhost:${broker}`,
    KAFKA_INTER_BROKER_LISTENER_NAME: 'BROKER',
    KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
    KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'PLAINTEXT:PLAINTEXT,BROKER:PLAINTEXT,CONTROLLER:PLAINTEXT',
    KAFKA_CONTROLLER_QUORUM_VOTERS: `1@localhost:${controller}`,
  };
  for (const [key, value] of Object.entries(SINGLE_NODE_SETTINGS)) env[kafkaEnvName(key)] = value;
  return env;
}
