import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { chunk } from './batch.js';
import type { AuditEntry, EncodedBatch, SinkDefinition, StreamContext } from './types.js';

const gzip = promisify(gzipCallback);

export const IDEMPOTENCY_HEADER = 'idempotency-key';

/**
 * Same stream + same log_ids in the same order → same key, however often the batch is retried.
 * The stream id is part of it because two streams may legitimately send one batch to one endpoint.
 */
export function batchKey(streamId: string, logIds: readonly string[]): string {
  return createHash('sha256').update(streamId).update('\0').update(JSON.stringify(logIds)).digest('hex');
}

/** One entry's element as the stream sends it: the stream's own view of the entry, then the sink's encoding. */
export function elementOf<C>(sink: SinkDefinition<C>, entry: AuditEntry, config: C, ctx: StreamContext): string {
  return sink.element(ctx.prepareEntry === undefined ? entry : ctx.prepareEntry(entry), config, ctx);
}

/** Entries planned into one request, each with its element (see SinkDefinition.element) already encoded. */
export interface PlannedBatch<E extends AuditEntry = AuditEntry> {
  entries: E[];
  elements: string[];
}

/**
 * Encodes every entry once and groups them into requests that fit the sink's limits, measured on
 * the exact bytes that will be sent. The elements travel with their batch, so sending (and
 * retrying, and splitting a refused batch) never serialises an entry again.
 */
export function planEncoded<C, E extends AuditEntry>(sink: SinkDefinition<C>, config: C, entries: readonly E[], ctx: StreamContext): PlannedBatch<E>[] {
  const elements = entries.map((entry) => elementOf(sink, entry, config, ctx));
  const groups = chunk(elements.map((_, i) => i), sink.limits(config), (i) => Buffer.byteLength(elements[i]!), sink.frame(config));
  return groups.map((indices) => ({ entries: indices.map((i) => entries[i]!), elements: indices.map((i) => elements[i]!) }));
}

/** Groups entries into requests that fit the sink's limits (planEncoded without the elements). */
export function planBatches<C>(sink: SinkDefinition<C>, config: C, entries: readonly AuditEntry[], ctx: StreamContext): AuditEntry[][] {
  return planEncoded(sink, config, entries, ctx).map((batch) => batch.entries);
}

/**
 * One request's URL, headers and (possibly gzipped) body for `entries`, which the caller has
 * already planned; `elements`, when given, are their encodings from planEncoded.
 */
export async function encodeBatch<C>(sink: SinkDefinition<C>, config: C, entries: readonly AuditEntry[], ctx: StreamContext, elements?: readonly string[]): Promise<EncodedBatch> {
  // Bytes may overflow (a lone oversized entry is the receiver's call), but the count may not:
  // for JSONOBJECT a second entry would make the body invalid JSON.
  const { maxEntries } = sink.limits(config);
  if (entries.length > maxEntries) throw new RangeError(`${sink.type} takes at most ${maxEntries} entries per request; use planBatches`);
  if (elements !== undefined && elements.length !== entries.length) throw new RangeError('one element per entry');
  const frame = sink.frame(config);
  const encoded = elements ?? entries.map((entry) => elementOf(sink, entry, config, ctx));
  const raw = Buffer.from(frame.open + encoded.join(frame.separator) + frame.close);
  const target = sink.target(config, ctx);
  const logIds = entries.map((entry) => entry.log_id);
  const idempotencyKey = batchKey(ctx.streamId, logIds);
  const headers: Record<string, string> = { ...target.headers, [IDEMPOTENCY_HEADER]: idempotencyKey };
  let body = raw;
  if (target.gzip) {
    body = await gzip(raw);
    headers['content-encoding'] = 'gzip';
  }
  return { url: target.url, headers, body, rawBytes: raw.length, idempotencyKey, logIds };
}
