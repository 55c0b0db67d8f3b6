/**
 * How much dead-lettering a partition may do before its consumer stops instead (Arroyo's
 * DlqLimit): after a bad deploy every record fails alike, and dead-lettering them all would
 * empty the audit trail into a side topic. Counted per partition since the assignment.
 */
export interface DlqLimit {
  /** Most dead letters in a row, with no record handled in between. */
  maxConsecutive: number;
  /** Most dead letters per record handled, once `minRecords` records have been seen. */
  maxInvalidRatio: number;
  minRecords: number;
}

export const DEFAULT_DLQ_LIMIT: DlqLimit = { maxConsecutive: 100, maxInvalidRatio: 0.1, minRecords: 100 };

export class DlqLimitState {
  private readonly counts = new Map<string, { valid: number; invalid: number; consecutive: number }>();

  constructor(private readonly limit: DlqLimit) {}

  private of(key: string) {
    let c = this.counts.get(key);
    if (!c) this.counts.set(key, (c = { valid: 0, invalid: 0, consecutive: 0 }));
    return c;
  }

  handled(key: string, records: number): void {
    if (records <= 0) return;
    const c = this.of(key);
    c.valid += records;
    c.consecutive = 0;
  }

  /** Whether one more dead letter stays within the limit; if not, why (and nothing is counted). */
  admit(key: string): { ok: true } | { ok: false; reason: string } {
    const c = this.of(key);
    if (c.consecutive + 1 > this.limit.maxConsecutive) {
      return { ok: false, reason: `more than ${this.limit.maxConsecutive} records in a row would be dead-lettered` };
    }
    const seen = c.valid + c.invalid + 1;
    const ratio = (c.invalid + 1) / seen;
    if (seen >= this.limit.minRecords && ratio > this.limit.maxInvalidRatio) {
      return { ok: false, reason: `${c.invalid + 1} of ${seen} records would be dead-lettered (limit ${this.limit.maxInvalidRatio})` };
    }
    c.invalid++;
    c.consecutive++;
    return { ok: true };
  }

  /** Takes back the last admitted dead letter (it was not sent after all). */
  withdraw(key: string): void {
    const c = this.of(key);
    c.invalid = Math.max(0, c.invalid - 1);
    c.consecutive = Math.max(0, c.consecutive - 1);
  }

  reset(key: string): void {
    this.counts.delete(key);
  }
}
