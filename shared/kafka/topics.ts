import type { Admin, ITopicConfig } from 'kafkajs';
import type { Logger } from '../log/index.js';
import { withKafkaRetry } from './admin-retry.js';

export interface TopicSpec {
  name: string;
  partitions: number;
  replicationFactor: number;
  /** Milliseconds; -1 keeps records forever (the event log must be replayable from the start). */
  retentionMs: number;
  cleanupPolicy?: 'delete' | 'compact';
}

const DAY = 86_400_000;

/** Every topic apptrail owns. The prefix isolates environments (and tests) sharing one cluster. */
export function topicNames(prefix: string) {
  return {
    clientEvents: `${prefix}clients.events`,
    auditRequests: `${prefix}audit.requests`,
    auditLog: `${prefix}audit.log`,
    auditCheckpoints: `${prefix}audit.checkpoints`,
    deadLetters: `${prefix}apptrail.dlq`,
    logStreamEvents: `${prefix}log-streams.events`,
    logStreamHealth: `${prefix}log-streams.health`,
    logStreamDeadLetters: `${prefix}log-streams.dlq`,
    tenantEvents: `${prefix}tenant.events`,
  };
}
export type TopicNames = ReturnType<typeof topicNames>;

export function topicSpecs(names: TopicNames, opts: { partitions: number; replicationFactor: number }): TopicSpec[] {
  const base = { partitions: opts.partitions, replicationFactor: opts.replicationFactor };
  return [
    { ...base, name: names.clientEvents, retentionMs: -1 },
    { ...base, name: names.auditRequests, retentionMs: 7 * DAY },
    { ...base, name: names.auditLog, retentionMs: 30 * DAY },
    // Signed chain heads: small, and an auditor's anchor for as long as the trail is kept.
    { ...base, name: names.auditCheckpoints, retentionMs: -1 },
    // Kept forever: a dead letter is only gone once somebody has looked at it.
    { ...base, name: names.deadLetters, retentionMs: -1 },
    // Stream definitions are state: replayed from the start by every API instance and exporter.
    { ...base, name: names.logStreamEvents, retentionMs: -1 },
    // Resource servers, client grants, settings and signing keys: state, replayed from the start.
    { ...base, name: names.tenantEvents, retentionMs: -1 },
    // Latest snapshot per stream and partition is all anyone reads.
    { ...base, name: names.logStreamHealth, retentionMs: -1, cleanupPolicy: 'compact' },
    // Entries a sink refused, with its answer; kept until somebody replays or discards them.
    { ...base, name: names.logStreamDeadLetters, retentionMs: -1 },
  ];
}

/** Creates the topics that are missing; existing topics are left as they are (safe on every start). */
export async function ensureTopics(admin: Admin, specs: TopicSpec[], log?: Logger): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = specs.filter((s) => !existing.has(s.name));
  if (missing.length === 0) return [];
  const topics: ITopicConfig[] = missing.map((s) => ({
    topic: s.name,
    numPartitions: s.partitions,
    replicationFactor: s.replicationFactor,
    configEntries: [
      { name: 'retention.ms', value: String(s.retentionMs) },
      { name: 'cleanup.policy', value: s.cleanupPolicy ?? 'delete' },
      { name: 'min.insync.replicas', value: String(Math.min(2, s.replicationFactor)) },
    ],
  }));
  try {
    await admin.createTopics({ topics, waitForLeaders: true });
  } catch (err) {
    // Another process may have created the same topic between list and create. And kafkajs'
    // waitForLeaders retries only LEADER_NOT_AVAILABLE, while a fresh KRaft broker briefly
    // answers UNKNOWN_TOPIC_OR_PARTITION for a topic it has just created: the readiness wait
    // below covers both.
    const type = (err as { type?: string }).type;
    if (!/already exists/i.test(String((err as Error).message)) && type !== 'UNKNOWN_TOPIC_OR_PARTITION') throw err;
  }
  // "Created" is not "ready": a fresh KRaft broker answers NOT_LEADER for a moment longer.
  for (const s of missing) await withKafkaRetry(() => admin.fetchTopicOffsets(s.name));
  log?.info({ topics: missing.map((s) => s.name) }, 'created topics');
  return missing.map((s) => s.name);
}
