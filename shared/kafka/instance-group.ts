import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * A consumer group of this process alone, for in-memory projections: every instance must read
 * every partition, so instances cannot share a group. Prefixed like the topics, so environments
 * sharing a cluster stay apart.
 */
export function instanceGroupId(topicPrefix: string, name: string): string {
  return `${topicPrefix}apptrail-${name}-${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
}

/**
 * The group a role's instances share (the projector, the audit writer), prefixed like the topics:
 * two environments on one cluster with one group would rebalance together and be handed each
 * other's partitions. With no prefix it is the historical name (`apptrail-audit`).
 */
export function roleGroupId(topicPrefix: string, role: 'projector' | 'audit'): string {
  return `${topicPrefix}apptrail-${role}`;
}
