import type { ClickHouseHandle } from '../../shared/clickhouse/index.js';
import type { EventProducer } from '../../shared/kafka/index.js';
import type { Logger } from '../../shared/log/index.js';
import { insertCheckpoint, signCheckpoint, toCheckpointRecord, type Checkpoint, type CheckpointHead, type CheckpointKey } from '../../shared/audit/checkpoint.js';

export interface CheckpointerOptions {
  ch: Pick<ClickHouseHandle, 'client'>;
  producer: EventProducer;
  topic: string;
  key: Pick<CheckpointKey, 'privateKey' | 'keyId'>;
  /** The committed chain heads (the audit consumer's). */
  heads: () => CheckpointHead[];
  /** 0: only on demand. */
  intervalMs: number;
  log: Logger;
}

/**
 * Signs the committed chain heads this instance holds, stores the checkpoint in ClickHouse and
 * publishes it on audit.checkpoints: every `intervalMs` when a head moved since the last one, and
 * on demand. The heads are those the consumer committed (never a staged batch's), so a checkpoint
 * only ever vouches for entries that are durable in ClickHouse and published on audit.log.
 * Checkpoints are serialised: one at a time, in time order.
 */
export function startCheckpointer(opts: CheckpointerOptions) {
  let lastSigned: string | undefined;
  let queue: Promise<unknown> = Promise.resolve();

  async function write(): Promise<Checkpoint> {
    const heads = opts.heads();
    const cp = signCheckpoint(opts.key, heads);
    await insertCheckpoint(opts.ch, cp);
    await opts.producer.send(opts.topic, toCheckpointRecord(cp));
    lastSigned = JSON.stringify(heads);
    opts.log.info({ checkpoint_id: cp.checkpoint_id, chains: heads.length }, 'audit checkpoint signed');
    return cp;
  }

  function checkpoint(): Promise<Checkpoint> {
    const next = queue.then(write, write);
    queue = next.catch(() => undefined);
    return next;
  }

  const timer =
    opts.intervalMs > 0
      ? setInterval(() => {
          const heads = opts.heads();
          if (heads.length === 0 || JSON.stringify(heads) === lastSigned) return;
          checkpoint().catch((err: unknown) => opts.log.warn({ err }, 'audit checkpoint not written; the next interval tries again'));
        }, opts.intervalMs)
      : undefined;
  timer?.unref();

  return {
    checkpoint,
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      await queue;
    },
  };
}
