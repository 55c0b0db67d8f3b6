import type { KeyObject } from 'node:crypto';
import { entryFromPresented, GENESIS_HASH, linkHolds, linkOf } from './chain.js';
import { ChainVerifier, type ChainBreak, type LinkRow } from './chain-verify.js';
import { checkpointSignatureValid, CheckpointSchema, type Checkpoint } from './checkpoint.js';
import type { ChainReport, VerifyReport } from './verify-store.js';

/**
 * Offline verification of an export (`npm run verify`): NDJSON of log objects as
 * GET /api/v2/logs/export writes them, or of entries as audit.log and log streams carry them.
 * Lines may come in any order (the export is in log_id order, a chain in seq order): each line's
 * hash is recomputed as it is read, and only its link (ids and hashes, ~200 bytes) is kept until
 * the chains are walked in seq order.
 *
 * A chain that starts at seq 0 is checked from genesis; one that starts later (the export began
 * mid-chain) is taken from its first entry on. With checkpoints and the public key, every signed
 * head inside the export must be the entry there, and a head past a chain's last entry in a
 * checkpoint older than the export's newest entry means the chain's end was cut off.
 */

export interface ExportLineError {
  line: number;
  problem: string;
}

export interface ExportVerifyOptions {
  publicKey?: KeyObject;
  /**
   * The export claims the whole trail: every chain must start at seq 0. Without it a chain may
   * start anywhere (retention, an export from a date), so a deleted first entry reads as a later
   * start: each chain's first_seq says where it was checked from.
   */
  fromStart?: boolean;
  checkpoints?: readonly unknown[];
}

export interface ExportVerifyReport extends Omit<VerifyReport, 'checkpoint'> {
  /** Lines that are not entries at all (not JSON, no log_id): a break of their own. */
  bad_lines: ExportLineError[];
  checkpoints: Array<{ checkpoint_id: string; time: string; signature_valid: boolean; heads_checked: number }>;
}

export async function verifyExport(lines: AsyncIterable<string> | Iterable<string>, opts: ExportVerifyOptions = {}): Promise<ExportVerifyReport> {
  const byChain = new Map<string, LinkRow[]>();
  const whereIs = new Map<string, Map<string, { seq: number; log_id: string }>>();
  const badLines: ExportLineError[] = [];
  let unchained = 0;
  let newest = '';
  let n = 0;
  for await (const text of lines) {
    n++;
    if (text.trim() === '') continue;
    let obj: Record<string, unknown>;
    try {
      obj = JSON.parse(text) as Record<string, unknown>;
      if (typeof obj !== 'object' || obj === null || typeof obj.log_id !== 'string') throw new Error('no log_id');
    } catch (err) {
      badLines.push({ line: n, problem: `not an entry: ${(err as Error).message}` });
      continue;
    }
    const link = linkOf(obj);
    if (!link) {
      // Present but malformed link fields are an edit; absent ones an entry from before chains.
      if (obj.chain !== undefined && obj.chain !== null && obj.chain !== '') badLines.push({ line: n, problem: `log ${String(obj.log_id)}: malformed chain fields` });
      else unchained++;
      continue;
    }
    if (typeof obj.date === 'string' && obj.date > newest) newest = obj.date;
    const row: LinkRow = { log_id: String(obj.log_id), seq: link.chain_seq, prev_hash: link.prev_hash, hash: link.hash, intact: linkHolds(entryFromPresented(obj), link) };
    let rows = byChain.get(link.chain);
    if (!rows) byChain.set(link.chain, (rows = []));
    rows.push(row);
    let hashes = whereIs.get(link.chain);
    if (!hashes) whereIs.set(link.chain, (hashes = new Map()));
    hashes.set(row.hash, { seq: row.seq, log_id: row.log_id });
  }

  // Checkpoints: only those whose signature holds are evidence.
  const checkpointReports: ExportVerifyReport['checkpoints'] = [];
  const valid: Checkpoint[] = [];
  for (const raw of opts.checkpoints ?? []) {
    const parsed = CheckpointSchema.safeParse(raw);
    if (!parsed.success) continue;
    const ok = opts.publicKey ? checkpointSignatureValid(parsed.data, opts.publicKey) : false;
    checkpointReports.push({ checkpoint_id: parsed.data.checkpoint_id, time: parsed.data.time, signature_valid: ok, heads_checked: 0 });
    if (ok) valid.push(parsed.data);
  }

  const chains: ChainReport[] = [];
  const breaks: ChainBreak[] = [];
  for (const [chain, rows] of [...byChain].sort(([a], [b]) => (a < b ? -1 : 1))) {
    rows.sort((a, b) => a.seq - b.seq || (a.log_id < b.log_id ? -1 : a.log_id > b.log_id ? 1 : 0));
    const lo = rows[0]!.seq;
    const hi = rows.at(-1)!.seq;
    const expected = new Map<number, string>();
    let headSeq: number | undefined;
    valid.forEach((cp, i) => {
      for (const h of cp.heads) {
        if (h.chain !== chain) continue;
        if (h.seq >= lo && h.seq <= hi) {
          expected.set(h.seq, h.hash);
          checkpointReports[i]!.heads_checked++;
        } else if (h.seq > hi && cp.time <= newest) {
          // Signed before the export's newest entry, yet past this chain's end: its end was cut.
          headSeq = Math.max(headSeq ?? 0, h.seq);
          checkpointReports[i]!.heads_checked++;
        }
      }
    });
    const hashes = whereIs.get(chain)!;
    const verifier = new ChainVerifier({
      chain,
      ...(lo === 0 || opts.fromStart ? { anchor: { seq: -1, hash: GENESIS_HASH } } : {}),
      expected,
      seqOfHash: async (hash) => hashes.get(hash),
    });
    for (const row of rows) if (await verifier.push(row)) break;
    const broken = await verifier.end(headSeq);
    chains.push({ ...verifier.summary(), intact: !broken, break: broken ?? null });
    if (broken) breaks.push(broken);
  }
  breaks.sort((a, b) => (a.log_id === '' ? 1 : 0) - (b.log_id === '' ? 1 : 0) || (a.log_id < b.log_id ? -1 : a.log_id > b.log_id ? 1 : 0));
  return {
    intact: breaks.length === 0 && badLines.length === 0 && checkpointReports.every((c) => c.signature_valid),
    checked: chains.reduce((s, c) => s + c.checked, 0),
    unchained,
    chains,
    first_break: breaks[0] ?? null,
    bad_lines: badLines,
    checkpoints: checkpointReports,
  };
}
