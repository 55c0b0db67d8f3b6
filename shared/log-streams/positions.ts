import type { Admin } from 'kafkajs';
import type { StoredStartFrom } from './schema.js';

/**
 * One consumer group per stream, named after it, so each stream keeps its own position on
 * audit.log; the topic prefix keeps environments sharing a cluster apart.
 */
export function exporterGroupId(topicPrefix: string, streamId: string): string {
  return `${topicPrefix}apptrail-log-stream-${streamId}`;
}

/** The stream a consumer group delivers for (a dead letter names its group), or undefined. */
export function streamIdOfGroup(topicPrefix: string, groupId: string): string | undefined {
  const prefix = exporterGroupId(topicPrefix, '');
  return groupId.startsWith(prefix) && groupId.length > prefix.length ? groupId.slice(prefix.length) : undefined;
}

export type PartitionOffsets = Array<{ partition: number; offset: string }>;

/** Where a stream starts on each partition before it has committed a position of its own. */
export async function startOffsets(admin: Admin, topic: string, startFrom: StoredStartFrom): Promise<PartitionOffsets> {
  if (startFrom === 'beginning') return (await admin.fetchTopicOffsets(topic)).map((p) => ({ partition: p.partition, offset: p.low }));
  // The first record written at or after that time; the end of the partition when there is none yet.
  return admin.fetchTopicOffsetsByTimestamp(topic, Date.parse(startFrom));
}

/**
 * Entries between the stream's position and the end of each partition. Transaction markers on
 * audit.log count too, so a draining backlog may read a few high; a caught-up stream reads 0.
 */
export async function streamLag(admin: Admin, opts: { topic: string; groupId: string; startFrom: StoredStartFrom }): Promise<number> {
  const [ends, [committed], starts] = await Promise.all([
    admin.fetchTopicOffsets(opts.topic),
    admin.fetchOffsets({ groupId: opts.groupId, topics: [opts.topic] }),
    // Only needed for partitions without a commit, but one round trip is cheaper than a second pass.
    startOffsets(admin, opts.topic, opts.startFrom),
  ]);
  let lag = 0n;
  for (const end of ends) {
    const own = committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
    const position = BigInt(own) >= 0n ? BigInt(own) : BigInt(starts.find((s) => s.partition === end.partition)?.offset ?? end.low);
    const behind = BigInt(end.high) - (position < BigInt(end.low) ? BigInt(end.low) : position);
    if (behind > 0n) lag += behind;
  }
  return Number(lag);
}
