import type { Message } from 'kafkajs';

/**
 * The broker refuses a record batch over `message.max.bytes` (1 MiB by default) with
 * MESSAGE_TOO_LARGE, and kafkajs puts everything one send gives a partition into one batch.
 * Requests are therefore cut at this many bytes of keys, values and headers: a conservative bound
 * that holds whatever the partitioner does.
 */
export const MAX_REQUEST_BYTES = 900_000;

export function messageBytes(m: Message): number {
  let n = 64 + (m.key?.length ?? 0) + (m.value?.length ?? 0);
  for (const [k, v] of Object.entries(m.headers ?? {})) n += k.length + String(v ?? '').length;
  return n;
}

/** Consecutive groups of at most `maxBytes` (a single larger message travels alone). */
export function chunkByBytes<T>(items: T[], size: (item: T) => number, maxBytes = MAX_REQUEST_BYTES): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const b = size(item);
    if (current.length > 0 && bytes + b > maxBytes) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += b;
  }
  if (current.length > 0) out.push(current);
  return out;
}
