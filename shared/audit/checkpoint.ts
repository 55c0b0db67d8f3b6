import { createPrivateKey, createPublicKey, randomUUID, sign, verify, type KeyObject } from 'node:crypto';
import canonicalize from 'canonicalize';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { z } from 'zod';
import type { ClickHouseHandle, Migration } from '../clickhouse/index.js';
import { createEventCodec, type OutgoingRecord } from '../events/index.js';
import { DATETIME64_SQL_TYPE, dateTime64ToIso, formatDateTime64 } from './datetime.js';
import { HASH_PATTERN } from './chain.js';

/**
 * Signed checkpoints: the heads of the hash chains (chain.ts) at a moment, signed with the audit
 * service's Ed25519 key. An auditor holding only the public key can then tell a chain that was
 * rewritten end to end (every hash recomputed, which the chain alone cannot show) from the
 * original: the signed head no longer matches. What is signed is the RFC 8785 canonical JSON of
 * the checkpoint without its signature: {checkpoint_id, time, key_id, heads: [{chain, seq, hash}]}.
 */

export const CheckpointHeadSchema = z.object({ chain: z.string().min(1), seq: z.int().min(0), hash: z.string().regex(HASH_PATTERN) });
export const CheckpointSchema = z.object({
  checkpoint_id: z.string().min(1).max(64),
  time: z.iso.datetime({ precision: 3 }),
  key_id: z.string().min(1).max(128),
  heads: z.array(CheckpointHeadSchema),
  /** Ed25519 over the canonical JSON of the fields above, base64url. */
  signature: z.string().regex(/^[A-Za-z0-9_-]+$/),
});
export type Checkpoint = z.infer<typeof CheckpointSchema>;
export type CheckpointHead = z.infer<typeof CheckpointHeadSchema>;

// An Ed25519 private key is its 32-byte seed; PKCS#8 wraps it in this fixed prefix (RFC 8410).
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export interface CheckpointKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** RFC 7638 thumbprint of the public JWK. */
  keyId: string;
  jwk: JWK & { kid: string; alg: 'EdDSA'; use: 'sig' };
  pem: string;
}

/** The signing key from its 32-byte seed (config AUDIT_CHECKPOINT_KEY, or generated into DATA_DIR). */
export async function checkpointKeyFromSeed(seed: Buffer): Promise<CheckpointKey> {
  if (seed.length !== 32) throw new RangeError(`An Ed25519 seed is 32 bytes, got ${seed.length}`);
  const privateKey = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const publicKey = createPublicKey(privateKey);
  const raw = publicKey.export({ format: 'jwk' }) as JWK;
  const keyId = await calculateJwkThumbprint({ kty: raw.kty, crv: raw.crv, x: raw.x } as JWK);
  return {
    privateKey,
    publicKey,
    keyId,
    jwk: { kty: raw.kty, crv: raw.crv, x: raw.x, kid: keyId, alg: 'EdDSA', use: 'sig' },
    pem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  };
}

/** A public key as the public-key endpoint gives it: PEM (SPKI) or a JWK, as text. */
export function publicKeyFromText(text: string): KeyObject {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    const parsed = JSON.parse(trimmed) as { jwk?: JWK } & JWK;
    // The endpoint's whole answer, or the JWK alone.
    if (parsed.jwk) return createPublicKey({ key: parsed.jwk as never, format: 'jwk' });
    return createPublicKey({ key: parsed as never, format: 'jwk' });
  }
  return createPublicKey(trimmed);
}

function signedText(cp: Omit<Checkpoint, 'signature'>): string {
  return canonicalize({ checkpoint_id: cp.checkpoint_id, time: cp.time, key_id: cp.key_id, heads: cp.heads.map((h) => ({ chain: h.chain, seq: h.seq, hash: h.hash })) })!;
}

export function signCheckpoint(key: Pick<CheckpointKey, 'privateKey' | 'keyId'>, heads: readonly CheckpointHead[], now = new Date()): Checkpoint {
  const body = { checkpoint_id: randomUUID(), time: now.toISOString(), key_id: key.keyId, heads: [...heads] };
  return { ...body, signature: sign(null, Buffer.from(signedText(body)), key.privateKey).toString('base64url') };
}

export function checkpointSignatureValid(cp: Checkpoint, publicKey: KeyObject): boolean {
  try {
    return verify(null, Buffer.from(signedText(cp)), publicKey, Buffer.from(cp.signature, 'base64url'));
  } catch {
    return false;
  }
}

// ---- storage and publication

export const CHECKPOINT_TABLE = 'audit_checkpoints';

export const checkpointMigration: Migration = {
  version: 102,
  name: 'audit checkpoints',
  up: [
    `CREATE TABLE IF NOT EXISTS ${CHECKPOINT_TABLE} (
  checkpoint_id String,
  time DateTime64(3, 'UTC'),
  key_id String,
  heads String,
  signature String
) ENGINE = ReplacingMergeTree
ORDER BY (time, checkpoint_id)`,
  ],
};

export async function insertCheckpoint(ch: Pick<ClickHouseHandle, 'client'>, cp: Checkpoint): Promise<void> {
  await ch.client.insert({
    table: CHECKPOINT_TABLE,
    values: [{ checkpoint_id: cp.checkpoint_id, time: formatDateTime64(Date.parse(cp.time)), key_id: cp.key_id, heads: JSON.stringify(cp.heads), signature: cp.signature }],
    format: 'JSONEachRow',
    clickhouse_settings: { async_insert: 0 },
  });
}

type CheckpointRow = { checkpoint_id: string; time: string; key_id: string; heads: string; signature: string };
const fromRow = (r: CheckpointRow): Checkpoint => ({ checkpoint_id: r.checkpoint_id, time: dateTime64ToIso(r.time), key_id: r.key_id, heads: JSON.parse(r.heads) as CheckpointHead[], signature: r.signature });

/** Newest first; `from`/`to` bound the time (ISO), both inclusive. */
export async function listCheckpoints(ch: Pick<ClickHouseHandle, 'client'>, opts: { from?: number; to?: number; limit: number }): Promise<Checkpoint[]> {
  const conditions = ['true'];
  const params: Record<string, unknown> = { limit: opts.limit };
  if (opts.from !== undefined) {
    conditions.push(`time >= {from:${DATETIME64_SQL_TYPE}}`);
    params.from = formatDateTime64(opts.from);
  }
  if (opts.to !== undefined) {
    conditions.push(`time <= {to:${DATETIME64_SQL_TYPE}}`);
    params.to = formatDateTime64(opts.to);
  }
  const rs = await ch.client.query({
    query: `SELECT checkpoint_id, time, key_id, heads, signature FROM ${CHECKPOINT_TABLE} FINAL WHERE ${conditions.join(' AND ')} ORDER BY time DESC, checkpoint_id DESC LIMIT {limit:UInt32}`,
    query_params: params,
    format: 'JSONEachRow',
  });
  return (await rs.json<CheckpointRow>()).map(fromRow);
}

export const AUDIT_CHECKPOINT_EVENT = { type: 'audit.checkpoint', version: 1, source: '/apptrail/audit' } as const;
const codec = createEventCodec({ [AUDIT_CHECKPOINT_EVENT.type]: { version: AUDIT_CHECKPOINT_EVENT.version, data: CheckpointSchema } }, AUDIT_CHECKPOINT_EVENT.source);

/** The audit.checkpoints record of a checkpoint, keyed by its id. */
export function toCheckpointRecord(cp: Checkpoint): OutgoingRecord {
  return { ...codec.serialise(codec.create(AUDIT_CHECKPOINT_EVENT.type, cp, { subject: cp.checkpoint_id, id: cp.checkpoint_id, time: cp.time })), key: cp.checkpoint_id };
}

export const parseCheckpointRecord = (record: Parameters<typeof codec.parse>[0]): Checkpoint => codec.parse(record).data;
