import { hash } from 'node:crypto';
import { z } from 'zod';
import { AUDIT_TEXT_FIELDS, type AuditEntry } from './entry.js';
import { canonicalJson } from './canonical-json.js';
import type { EncodedEntry } from './encoded-entry.js';

/**
 * Tamper evidence: every entry is a link of a hash chain.
 *
 *   hash = hex(SHA-256(UTF-8(prev_hash + JCS(content))))
 *
 * where `content` is the entry (AuditEntry: every field but the four below) plus its `chain` and
 * `chain_seq`, JCS is RFC 8785 JSON canonicalisation (the `canonicalize` package, with a faster
 * path for plain data: canonical-json.ts), `prev_hash` the
 * lowercase hex hash of the entry before it in the same chain, GENESIS_HASH for the first one.
 * `chain` and `chain_seq` are hashed too, so an entry cannot move to another chain or position
 * without its hash saying so; `prev_hash` and `hash` are the link itself.
 *
 * One chain per input partition of the audit consumer: chain = `<topic>/<partition>` (the topic
 * as named on the broker, prefix included). A partition is read in offset order by exactly one
 * consumer at a time and each record leaves its entry in that order, so the chain's order is a
 * pure function of the topic; an auditor orders a chain by `chain_seq` (0, 1, 2, ... without gaps).
 */

export const GENESIS_HASH = '0'.repeat(64);
export const HASH_PATTERN = /^[0-9a-f]{64}$/;
export const CHAIN_COLUMNS = ['chain', 'chain_seq', 'prev_hash', 'hash'] as const;
/** What a row written without a chain (tests, entries from before the chain existed) stores. */
export const UNCHAINED_ROW_SUFFIX = '\t\t0\t\t';

export const ChainLinkSchema = z.object({
  chain: z.string().min(1).max(300),
  chain_seq: z.int().min(0),
  prev_hash: z.string().regex(HASH_PATTERN),
  hash: z.string().regex(HASH_PATTERN),
});
export type ChainLink = z.infer<typeof ChainLinkSchema>;

/** The last link of a chain: where the next entry attaches. */
export interface ChainHead {
  seq: number;
  hash: string;
}

export function chainKeyOf(topic: string, partition: number): string {
  return `${topic}/${partition}`;
}

/** The canonical text an entry's hash covers. Throws on what JSON cannot carry (NaN, a lone surrogate). */
export function canonicalContent(entry: AuditEntry, chain: string, chainSeq: number): string {
  return canonicalJson({ ...entry, chain, chain_seq: chainSeq });
}

export function chainHash(prevHash: string, canonical: string): string {
  // One-shot: no Hash object per entry. The two texts are joined as UTF-8, as the rule says.
  return hash('sha256', prevHash + canonical, 'hex');
}

/** The link an entry gets as the successor of `head` (undefined: the chain's first entry). */
export function linkFor(entry: AuditEntry, chain: string, head: ChainHead | undefined): ChainLink {
  const chain_seq = head ? head.seq + 1 : 0;
  const prev_hash = head ? head.hash : GENESIS_HASH;
  return { chain, chain_seq, prev_hash, hash: chainHash(prev_hash, canonicalContent(entry, chain, chain_seq)) };
}

/**
 * Entries (in their chain's order) linked after `head`: each one's JSON (audit.log) and row
 * (ClickHouse) get the four link fields appended, the entry itself is unchanged. Pure: the same
 * entries after the same head always give the same links, which is what makes a retried batch
 * rewrite exactly what a failed attempt wrote.
 */
export function linkEntries(entries: readonly EncodedEntry[], chain: string, head: ChainHead | undefined): { entries: EncodedEntry[]; head: ChainHead | undefined } {
  let current = head;
  const out = entries.map((e) => {
    const link = linkFor(e.entry, chain, current);
    current = { seq: link.chain_seq, hash: link.hash };
    // Topic names are [a-zA-Z0-9._-] and a partition a number: nothing to escape in JSON or TSV.
    return {
      entry: e.entry,
      link,
      json: `${e.json.slice(0, -1)},"chain":${JSON.stringify(link.chain)},"chain_seq":${link.chain_seq},"prev_hash":"${link.prev_hash}","hash":"${link.hash}"}`,
      row: `${e.row}\t${link.chain}\t${link.chain_seq}\t${link.prev_hash}\t${link.hash}`,
    };
  });
  return { entries: out, head: current };
}

/**
 * A chain head as Kafka offset-commit metadata. The head is committed in the same transaction
 * as the offsets it belongs to, so whoever takes the partition over (rebalance, restart, a
 * snapshot-plus-tail start) reads the head of exactly the committed position: no snapshot lag,
 * nothing to recompute. The broker keeps up to offset.metadata.max.bytes (4096 by default);
 * this is about 90.
 */
const HeadMetadataSchema = z.object({ v: z.literal(1), seq: z.int().min(0), hash: z.string().regex(HASH_PATTERN) });

export function headToMetadata(head: ChainHead | undefined): string {
  return head ? JSON.stringify({ v: 1, seq: head.seq, hash: head.hash }) : '';
}

/** The head in commit metadata; undefined for none (a chain not started, a group from before chains). */
export function headFromMetadata(metadata: string | null | undefined): ChainHead | undefined {
  if (!metadata) return undefined;
  try {
    const parsed = HeadMetadataSchema.safeParse(JSON.parse(metadata));
    return parsed.success ? { seq: parsed.data.seq, hash: parsed.data.hash } : undefined;
  } catch {
    return undefined;
  }
}

const CONTEXT_KEYS = ['channel', 'auth', 'ip', 'userAgent'] as const;
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The entry a presented form stands for, for verification: a log object of GET /api/v2/logs or
 * its export (row.ts: empty fields shown as null or left out, Auth0's request context added to
 * details.request, constants and `_id` added), or the entry as audit.log and log streams carry
 * it. Inverting the presentation is exact because the stored details.request only ever holds
 * method, path, query and body (AuditDetailsSchema), never the context keys row.ts adds.
 */
export function entryFromPresented(obj: Record<string, unknown>): AuditEntry {
  const entry: Record<string, unknown> = { log_id: obj.log_id, date: obj.date, type: obj.type };
  for (const f of AUDIT_TEXT_FIELDS) {
    const v = obj[f];
    entry[f] = v === null || v === undefined ? '' : v;
  }
  let details = obj.details;
  if (isRecord(details) && isRecord(details.request)) {
    const request: Record<string, unknown> = { ...details.request };
    for (const k of CONTEXT_KEYS) delete request[k];
    details = { ...details, request };
  }
  entry.details = details;
  return entry as AuditEntry;
}

/** The link fields of a presented entry, or undefined when it has none (written before chains). */
export function linkOf(obj: Record<string, unknown>): ChainLink | undefined {
  if (obj.chain === undefined || obj.chain === null || obj.chain === '') return undefined;
  const parsed = ChainLinkSchema.safeParse({ chain: obj.chain, chain_seq: typeof obj.chain_seq === 'string' ? Number(obj.chain_seq) : obj.chain_seq, prev_hash: obj.prev_hash, hash: obj.hash });
  return parsed.success ? parsed.data : undefined;
}

/** Whether an entry's stored hash is the one its content and prev_hash give. */
export function linkHolds(entry: AuditEntry, link: ChainLink): boolean {
  try {
    return chainHash(link.prev_hash, canonicalContent(entry, link.chain, link.chain_seq)) === link.hash;
  } catch {
    return false;
  }
}
