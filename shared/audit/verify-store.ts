import type { KeyObject } from 'node:crypto';
import type { ClickHouseHandle } from '../clickhouse/index.js';
import { AUDIT_TEXT_FIELDS, type AuditEntry } from './entry.js';
import { DATETIME64_SQL_TYPE, dateTime64ToIso, formatDateTime64 } from './datetime.js';
import { AUDIT_TABLE } from './table.js';
import { GENESIS_HASH, linkHolds } from './chain.js';
import { ChainVerifier, type ChainBreak, type ChainSummary } from './chain-verify.js';
import { checkpointSignatureValid, listCheckpoints, type Checkpoint } from './checkpoint.js';

/**
 * GET /api/v2/logs/verify: recomputes the hash chains over a time range from ClickHouse.
 *
 * 1. Which chains have entries dated in [from, to], and their lowest and highest seq.
 * 2. Per chain, the rows from the seq before the lowest (the anchor its first entry chains to;
 *    genesis for seq 0) on, in seq order, streamed into a ChainVerifier, one past the highest so
 *    that a deleted last entry of the range shows as a gap. Memory: one row at a time.
 * 3. The latest checkpoint signed within the range: its signature (with the service's public key)
 *    and each of its heads: a head inside the range must be the entry the chain has at that seq,
 *    a head past it (or of a chain with no entry left in the range) must still exist with that hash.
 * Every value is a bound parameter.
 */

export interface VerifyRange {
  /** Epoch ms, inclusive; undefined: unbounded. */
  from?: number;
  to?: number;
}

export interface ChainReport extends ChainSummary {
  intact: boolean;
  break: ChainBreak | null;
}

export interface CheckpointReport {
  checkpoint_id: string;
  time: string;
  key_id: string;
  signature_valid: boolean;
  heads_checked: number;
}

export interface VerifyReport {
  intact: boolean;
  /** Entries whose link was checked. */
  checked: number;
  /** Entries in the range written before chains existed: they cannot be verified. */
  unchained: number;
  chains: ChainReport[];
  /** The earliest break (by the date its log_id encodes; a gap at a chain's end counts last). */
  first_break: ChainBreak | null;
  checkpoint: CheckpointReport | null;
}

const FINAL_SETTINGS = 'SETTINGS do_not_merge_across_partitions_select_final = 1';
const ENTRY_COLUMNS = ['log_id', 'date', 'type', ...AUDIT_TEXT_FIELDS, 'details', 'chain_seq', 'prev_hash', 'hash'].join(', ');
// Entries sharing a seq (an inserted one) take a row each: room for a few beyond the range.
const DUPLICATE_SLACK = 16;

type Ch = Pick<ClickHouseHandle, 'client'>;

function rangeConditions(range: VerifyRange, params: Record<string, unknown>): string[] {
  const c: string[] = [];
  if (range.from !== undefined) {
    c.push(`date >= {from:${DATETIME64_SQL_TYPE}}`);
    params.from = formatDateTime64(range.from);
  }
  if (range.to !== undefined) {
    c.push(`date <= {to:${DATETIME64_SQL_TYPE}}`);
    params.to = formatDateTime64(range.to);
  }
  return c;
}

async function queryRows<T>(ch: Ch, query: string, params: Record<string, unknown>): Promise<T[]> {
  const rs = await ch.client.query({ query, query_params: params, format: 'JSONEachRow' });
  return rs.json<T>();
}

type EntryRow = Record<string, string> & { log_id: string; date: string; details: string; chain_seq: string; prev_hash: string; hash: string };

function entryOfRow(row: EntryRow): AuditEntry {
  const entry: Record<string, unknown> = { log_id: row.log_id, date: dateTime64ToIso(row.date), type: row.type };
  for (const f of AUDIT_TEXT_FIELDS) entry[f] = row[f];
  entry.details = JSON.parse(row.details);
  return entry as AuditEntry;
}

async function verifyChain(ch: Ch, chain: string, lo: number, hi: number, expected: Map<number, string>): Promise<ChainReport> {
  const start = lo > 0 ? lo - 1 : 0;
  const verifier = new ChainVerifier({
    chain,
    ...(lo === 0 ? { anchor: { seq: -1, hash: GENESIS_HASH } } : { startSeq: start }),
    expected,
    seqOfHash: async (hash) => {
      const [found] = await queryRows<{ log_id: string; chain_seq: string }>(
        ch,
        `SELECT log_id, chain_seq FROM ${AUDIT_TABLE} FINAL WHERE chain = {chain:String} AND hash = {hash:String} ORDER BY chain_seq LIMIT 1 ${FINAL_SETTINGS}`,
        { chain, hash },
      );
      return found ? { seq: Number(found.chain_seq), log_id: found.log_id } : undefined;
    },
  });
  const rs = await ch.client.query({
    query: `SELECT ${ENTRY_COLUMNS} FROM ${AUDIT_TABLE} FINAL WHERE chain = {chain:String} AND chain_seq >= {start:UInt64} ORDER BY chain_seq, log_id LIMIT {limit:UInt64} ${FINAL_SETTINGS}`,
    query_params: { chain, start, limit: hi - start + 2 + DUPLICATE_SLACK },
    format: 'JSONEachRow',
  });
  let pastRange = false;
  outer: for await (const rows of rs.stream<EntryRow>()) {
    for (const r of rows) {
      const row = r.json();
      const seq = Number(row.chain_seq);
      // One row past the range settles its last entry (its successor chained to it, or a gap).
      if (pastRange && seq > hi + 1) break outer;
      let intact = false;
      try {
        intact = linkHolds(entryOfRow(row), { chain, chain_seq: seq, prev_hash: row.prev_hash, hash: row.hash });
      } catch {
        intact = false; // details no longer JSON: edited
      }
      if (await verifier.push({ log_id: row.log_id, seq, prev_hash: row.prev_hash, hash: row.hash, intact })) break outer;
      if (seq > hi) pastRange = true;
    }
  }
  const broken = await verifier.end();
  return { ...verifier.summary(), intact: !broken, break: broken ?? null };
}

async function latestCheckpoint(ch: Ch, range: VerifyRange): Promise<Checkpoint | undefined> {
  const [cp] = await listCheckpoints(ch, { ...range, limit: 1 });
  return cp;
}

/** A signed head outside the chain's checked seqs: the entry must still be there, with that hash. */
async function checkHeadOutside(ch: Ch, head: { chain: string; seq: number; hash: string }): Promise<ChainBreak | undefined> {
  const [row] = await queryRows<{ log_id: string; hash: string }>(
    ch,
    `SELECT log_id, hash FROM ${AUDIT_TABLE} FINAL WHERE chain = {chain:String} AND chain_seq = {seq:UInt64} ORDER BY log_id LIMIT 1 ${FINAL_SETTINGS}`,
    { chain: head.chain, seq: head.seq },
  );
  if (!row) return { log_id: '', chain: head.chain, seq: head.seq, reason: 'missing', detail: 'an entry a signed checkpoint names is gone' };
  if (row.hash !== head.hash) return { log_id: row.log_id, chain: head.chain, seq: head.seq, reason: 'checkpoint_mismatch', detail: `a signed checkpoint has hash ${head.hash} at this seq` };
  return undefined;
}

const breakOrder = (a: ChainBreak, b: ChainBreak) => (a.log_id === '' ? 1 : 0) - (b.log_id === '' ? 1 : 0) || (a.log_id < b.log_id ? -1 : a.log_id > b.log_id ? 1 : 0);

export async function verifyStoredRange(ch: Ch, range: VerifyRange, publicKey: KeyObject): Promise<VerifyReport> {
  const params: Record<string, unknown> = {};
  const where = rangeConditions(range, params);
  const spans = await queryRows<{ chain: string; lo: string; hi: string }>(
    ch,
    `SELECT chain, min(chain_seq) AS lo, max(chain_seq) AS hi FROM ${AUDIT_TABLE} FINAL WHERE ${['chain != \'\'', ...where].join(' AND ')} GROUP BY chain ORDER BY chain ${FINAL_SETTINGS}`,
    params,
  );
  const [unchained] = await queryRows<{ n: string }>(ch, `SELECT count() AS n FROM ${AUDIT_TABLE} FINAL WHERE ${["chain = ''", ...where].join(' AND ')} ${FINAL_SETTINGS}`, params);

  const cp = await latestCheckpoint(ch, range);
  const signatureValid = cp ? checkpointSignatureValid(cp, publicKey) : false;
  // Only a checkpoint whose signature holds is evidence.
  const signedHeads = cp && signatureValid ? cp.heads : [];

  const chains: ChainReport[] = [];
  const breaks: ChainBreak[] = [];
  let headsChecked = 0;
  const spanOf = new Map(spans.map((s) => [s.chain, { lo: Number(s.lo), hi: Number(s.hi) }]));
  for (const s of spans) {
    const { lo, hi } = spanOf.get(s.chain)!;
    const expected = new Map<number, string>();
    for (const h of signedHeads) {
      if (h.chain === s.chain && h.seq >= lo && h.seq <= hi) {
        expected.set(h.seq, h.hash);
        headsChecked++;
      }
    }
    const report = await verifyChain(ch, s.chain, lo, hi, expected);
    chains.push(report);
    if (report.break) breaks.push(report.break);
  }
  for (const h of signedHeads) {
    const span = spanOf.get(h.chain);
    if (span && h.seq <= span.hi) continue; // inside the range (checked above) or before it
    headsChecked++;
    const broken = await checkHeadOutside(ch, h);
    if (broken) breaks.push(broken);
  }
  breaks.sort(breakOrder);
  return {
    intact: breaks.length === 0 && (!cp || signatureValid),
    checked: chains.reduce((n, c) => n + c.checked, 0),
    unchained: Number(unchained?.n ?? 0),
    chains,
    first_break: breaks[0] ?? null,
    checkpoint: cp ? { checkpoint_id: cp.checkpoint_id, time: cp.time, key_id: cp.key_id, signature_valid: signatureValid, heads_checked: headsChecked } : null,
  };
}
