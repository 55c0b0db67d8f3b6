import type { Admin } from 'kafkajs';
import { chainKeyOf, headFromMetadata, headToMetadata, linkEntries, type ChainHead, type EncodedEntry } from '../../shared/audit/index.js';
import { withKafkaRetry } from '../../shared/kafka/index.js';

export interface HeadView {
  chain: string;
  seq: number;
  hash: string;
}

/**
 * The audit consumer's hash chains (shared/audit/chain.ts), one per input partition, as part of
 * its committed state. A head moves only when its batch's Kafka transaction committed, and it
 * travels in that very transaction as the offset commit's metadata; whoever is assigned the
 * partition next (rebalance, restart, a start from a fold snapshot plus tail, a retry after a
 * failed attempt) reads it back with the committed offset, so the chain continues from exactly
 * the position the group continues from. A group without metadata (new, reset for a replay from
 * offset 0, or from before chains) starts its chains at genesis, which a replay from 0 also does.
 */
export function chainHeads(deps: { admin: Pick<Admin, 'fetchOffsets'>; groupId: string }) {
  const heads = new Map<string, ChainHead>();

  return {
    /** Reads the committed heads of newly assigned partitions (before any of their batches runs). */
    async restore(assigned: ReadonlyArray<{ topic: string; partition: number }>): Promise<void> {
      const byTopic = new Map<string, number[]>();
      for (const a of assigned) byTopic.set(a.topic, [...(byTopic.get(a.topic) ?? []), a.partition]);
      for (const [topic, partitions] of byTopic) {
        const [committed] = await withKafkaRetry(() => deps.admin.fetchOffsets({ groupId: deps.groupId, topics: [topic] }));
        for (const p of partitions) {
          const key = chainKeyOf(topic, p);
          const head = headFromMetadata(committed?.partitions.find((x) => x.partition === p)?.metadata);
          if (head) heads.set(key, head);
          else heads.delete(key);
        }
      }
    },

    /** A batch's entries linked after the committed head; `commit()` once its transaction committed. */
    link(topic: string, partition: number, entries: readonly EncodedEntry[]) {
      const key = chainKeyOf(topic, partition);
      const linked = linkEntries(entries, key, heads.get(key));
      return {
        entries: linked.entries,
        metadata: headToMetadata(linked.head),
        commit: () => {
          if (linked.head) heads.set(key, linked.head);
        },
      };
    },

    /** The committed head as offset metadata, for commits the runner makes itself. */
    metadata: (topic: string, partition: number): string => headToMetadata(heads.get(chainKeyOf(topic, partition))),

    heads: (): HeadView[] => [...heads].map(([chain, h]) => ({ chain, seq: h.seq, hash: h.hash })).sort((a, b) => (a.chain < b.chain ? -1 : a.chain > b.chain ? 1 : 0)),
  };
}
