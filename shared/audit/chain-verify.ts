import type { ChainHead } from './chain.js';

/**
 * Checks one chain from its links, fed in (chain_seq, log_id) order; shared by the online verify
 * (rows streamed from ClickHouse) and the offline one (an export). It keeps one group of rows
 * with the same seq and the last accepted link, so memory does not grow with the chain.
 *
 * What each reason means, in the order they are tested:
 * - missing: the next seq is not there (a deleted entry; or one signed in a checkpoint is gone).
 * - inserted: two entries claim one position; the genuine one is the one its successor chained to.
 * - reordered: the entry chains to an entry that exists elsewhere in the chain (moved, swapped).
 * - hash_mismatch: the entry's content and prev_hash do not give its hash (an edited field), or the
 *   entry before it is no longer the one it chained to (edited with its hash recomputed; the
 *   break then names that predecessor).
 * - checkpoint_mismatch: a signed checkpoint says the entry at this seq had another hash.
 */
export type BreakReason = 'missing' | 'inserted' | 'reordered' | 'hash_mismatch' | 'checkpoint_mismatch';

export interface ChainBreak {
  log_id: string;
  chain: string;
  seq: number;
  reason: BreakReason;
  detail: string;
}

export interface LinkRow {
  log_id: string;
  seq: number;
  prev_hash: string;
  hash: string;
  /** linkHolds(entry, link): computed by the caller, which has the content. */
  intact: boolean;
}

export interface ChainSummary {
  chain: string;
  checked: number;
  first_seq: number | null;
  last_seq: number | null;
  last_hash: string | null;
}

export interface ChainVerifierOptions {
  chain: string;
  /**
   * The link the first row must follow: GENESIS at seq -1 for a chain checked from its start, the
   * entry before the range otherwise. Undefined: the first row is taken as it is (nothing before
   * it to check against).
   */
  anchor?: ChainHead;
  /** Without an anchor: the seq the first row must have (the range's start). */
  startSeq?: number;
  /** Signed heads (seq → hash) the rows must agree with. */
  expected?: ReadonlyMap<number, string>;
  /** Where an entry with this hash sits in the chain, if anywhere: tells a moved entry from a forged one. */
  seqOfHash?: (hash: string) => Promise<{ seq: number; log_id: string } | undefined>;
}

export class ChainVerifier {
  private group: LinkRow[] = [];
  private last: { seq: number; hash: string; log_id?: string } | undefined;
  private broken: ChainBreak | undefined;
  private checked = 0;
  private firstSeq: number | null = null;

  constructor(private readonly opts: ChainVerifierOptions) {
    if (opts.anchor) this.last = { seq: opts.anchor.seq, hash: opts.anchor.hash };
  }

  get break(): ChainBreak | undefined {
    return this.broken;
  }

  /** Feeds the next row; resolves to the chain's first break once there is one (then stop feeding). */
  async push(row: LinkRow): Promise<ChainBreak | undefined> {
    if (this.broken) return this.broken;
    const pending = this.group[0];
    if (pending && row.seq === pending.seq) {
      this.group.push(row);
      return undefined;
    }
    if (pending) await this.resolve(row.prev_hash);
    this.group = [row];
    return this.broken;
  }

  /** No more rows: settles the last group. `headSeq`: a seq known to exist (a checkpoint's) beyond the rows. */
  async end(headSeq?: number): Promise<ChainBreak | undefined> {
    if (!this.broken && this.group.length > 0) await this.resolve(undefined);
    if (!this.broken && headSeq !== undefined && (this.last?.seq ?? -1) < headSeq) {
      const seq = (this.last?.seq ?? -1) + 1;
      this.fail({ log_id: this.last?.log_id ?? '', seq, reason: 'missing', detail: `a signed checkpoint names seq ${headSeq}; the chain ends at ${this.last?.seq ?? 'nothing'}` });
    }
    return this.broken;
  }

  summary(): ChainSummary {
    return { chain: this.opts.chain, checked: this.checked, first_seq: this.firstSeq, last_seq: this.last?.seq ?? null, last_hash: this.last?.hash ?? null };
  }

  private fail(b: Omit<ChainBreak, 'chain'>): void {
    this.broken ??= { chain: this.opts.chain, ...b };
  }

  private async resolve(nextPrevHash: string | undefined): Promise<void> {
    const group = this.group;
    this.group = [];
    const first = group[0]!;
    const expectedSeq = this.last ? this.last.seq + 1 : (this.opts.startSeq ?? first.seq);
    if (first.seq > expectedSeq) {
      return this.fail({ log_id: first.log_id, seq: expectedSeq, reason: 'missing', detail: `seq ${expectedSeq}${first.seq - expectedSeq > 1 ? ` to ${first.seq - 1}` : ''} not found before this entry` });
    }
    if (first.seq < expectedSeq) {
      return this.fail({ log_id: first.log_id, seq: first.seq, reason: 'reordered', detail: `seq ${first.seq} after seq ${this.last?.seq}` });
    }
    const row = first;
    if (group.length > 1) {
      // The genuine one is what the next entry chained to; failing that, the one that holds and links.
      const links = (g: LinkRow) => g.intact && (!this.last || g.prev_hash === this.last.hash);
      const genuine = group.find((g) => g.hash === nextPrevHash) ?? group.find(links) ?? first;
      const forged = group.find((g) => g !== genuine)!;
      return this.fail({ log_id: forged.log_id, seq: forged.seq, reason: 'inserted', detail: `${group.length} entries at seq ${first.seq}; the chain continues from ${genuine.log_id}` });
    }
    if (this.last && row.prev_hash !== this.last.hash) {
      const elsewhere = await this.opts.seqOfHash?.(row.prev_hash);
      if (elsewhere && elsewhere.seq !== this.last.seq) {
        return this.fail({ log_id: row.log_id, seq: row.seq, reason: 'reordered', detail: `chains to ${elsewhere.log_id} at seq ${elsewhere.seq}, not to the entry at seq ${this.last.seq}` });
      }
      if (this.last.log_id !== undefined) {
        return this.fail({ log_id: this.last.log_id, seq: this.last.seq, reason: 'hash_mismatch', detail: `its successor ${row.log_id} chained to another hash: this entry was changed` });
      }
      return this.fail({ log_id: row.log_id, seq: row.seq, reason: 'hash_mismatch', detail: 'prev_hash is not the hash of the entry before the range' });
    }
    if (!row.intact) {
      return this.fail({ log_id: row.log_id, seq: row.seq, reason: 'hash_mismatch', detail: 'content and prev_hash do not give the stored hash' });
    }
    const signed = this.opts.expected?.get(row.seq);
    if (signed !== undefined && signed !== row.hash) {
      return this.fail({ log_id: row.log_id, seq: row.seq, reason: 'checkpoint_mismatch', detail: `a signed checkpoint has hash ${signed} at this seq` });
    }
    this.checked++;
    this.firstSeq ??= row.seq;
    this.last = { seq: row.seq, hash: row.hash, log_id: row.log_id };
  }
}
