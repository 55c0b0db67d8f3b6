/**
 * Which consumers of this process have stopped on purpose (a record they must not skip, or too
 * many dead letters), and which have not yet joined their group, so readiness can say so. One board per process: readiness is about the
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
  /** Groups started but not yet given their partitions, with when they started. */
  private readonly joining = new Map<string, number>();

  startJoining(group: string): void {
    this.joining.set(group, Date.now());
  }

  joined(group: string): void {
    this.joining.delete(group);
  }

  halt(h: Omit<HaltedPartition, 'since'>): void {
    this.halted.set(`${h.group}/${h.topic}/${h.partition}`, { ...h, since: new Date().toISOString() });
  }

  /** Forgets a group's halts (the consumer stopped, or a newer build took the partition back). */
  clear(group: string, topic?: string, partition?: number): void {
    if (topic === undefined) this.joining.delete(group);
    for (const [key, h] of this.halted) {
      if (h.group === group && (topic === undefined || h.topic === topic) && (partition === undefined || h.partition === partition)) this.halted.delete(key);
    }
  }

  list(): HaltedPartition[] {
    return [...this.halted.values()];
  }

  /** Groups still joining, with the seconds they have waited. */
  listJoining(): Array<{ group: string; waitingMs: number }> {
    const now = Date.now();
    return [...this.joining].map(([group, since]) => ({ group, waitingMs: now - since }));
  }

  /** A readiness check: throws while any partition is halted or any group has not joined yet. */
  readonly check = async (): Promise<void> => {
    const all = this.list();
    if (all.length > 0) {
      const first = all[0]!;
      throw new Error(`${all.length} partition(s) halted; first: ${first.group} ${first.topic}/${first.partition}@${first.offset}: ${first.reason}`);
    }
    const joining = this.listJoining();
    if (joining.length > 0) {
      // After a crash the group coordinator keeps the dead member until its session expires.
      const list = joining.map((j) => `${j.group} (${(j.waitingMs / 1000).toFixed(1)} s)`).join(', ');
      throw new Error(`catching up: waiting to join consumer group(s) ${list}; a restarted process waits up to a session timeout for its predecessor's membership to expire`);
    }
  };
}

export const processConsumerStatus = new ConsumerStatusBoard();
