/**
 * Which consumers of this process have stopped on purpose (a record they must not skip, or too
 * many dead letters), so readiness can say so. One board per process: readiness is about the
 * process, and every runner reports to the board it was given (the process-wide one by default).
 */
export interface HaltedPartition {
  group: string;
  topic: string;
  partition: number;
  offset: string;
  reason: string;
  since: string;
}

export class ConsumerStatusBoard {
  private readonly halted = new Map<string, HaltedPartition>();

  halt(h: Omit<HaltedPartition, 'since'>): void {
    this.halted.set(`${h.group}/${h.topic}/${h.partition}`, { ...h, since: new Date().toISOString() });
  }

  /** Forgets a group's halts (the consumer stopped, or a newer build took the partition back). */
  clear(group: string, topic?: string, partition?: number): void {
    for (const [key, h] of this.halted) {
      if (h.group === group && (topic === undefined || h.topic === topic) && (partition === undefined || h.partition === partition)) this.halted.delete(key);
    }
  }

  list(): HaltedPartition[] {
    return [...this.halted.values()];
  }

  /** A readiness check: throws while any partition is halted. */
  readonly check = async (): Promise<void> => {
    const all = this.list();
    if (all.length === 0) return;
    const first = all[0]!;
    throw new Error(`${all.length} partition(s) halted; first: ${first.group} ${first.topic}/${first.partition}@${first.offset}: ${first.reason}`);
  };
}

export const processConsumerStatus = new ConsumerStatusBoard();
