import { hash } from 'node:crypto';

/**
 * Audit log ids: 56 decimal digits like Auth0's, `<16-digit epoch ms><40 digits of sha256(key)>`.
 *
 * - Deterministic: a redelivered or replayed event yields the same id, so it lands on the same
 *   ReplacingMergeTree key and never shows twice.
 * - Time-ordered: fixed width, so comparing ids as strings compares their times first. Checkpoint
 *   paging (`from=<log_id>`, `log_id > from`) and the date pruning in query/select.ts rely on it.
 */
export const LOG_ID_LENGTH = 56;
const TIME_DIGITS = 16;
const HASH_DIGITS = LOG_ID_LENGTH - TIME_DIGITS;
const HASH_MODULUS = 10n ** BigInt(HASH_DIGITS);
const MAX_TIME_MS = 10 ** TIME_DIGITS - 1;

export const LOG_ID_PATTERN = /^[0-9]{56}$/;

/**
 * `sourceKey` must identify the source record for good: the event's CloudEvents id, or the
 * request id of a failed request; never a Kafka offset, which changes when a topic is mirrored or
 * re-created. `dateMs` is the entry's `date`.
 */
export function makeLogId(dateMs: number, sourceKey: string): string {
  if (!Number.isSafeInteger(dateMs) || dateMs < 0 || dateMs > MAX_TIME_MS) {
    throw new RangeError(`makeLogId: dateMs must be a non-negative integer of at most ${TIME_DIGITS} digits, got ${dateMs}`);
  }
  if (sourceKey.length === 0) throw new RangeError('makeLogId: sourceKey must not be empty');
  // One-shot hash: no Hash object per id (one id per audit entry).
  const digest = hash('sha256', sourceKey, 'hex');
  // 256 bits reduced mod 10^40 (~2^133): the bias is far below anything observable.
  const hashDigits = (BigInt(`0x${digest}`) % HASH_MODULUS).toString().padStart(HASH_DIGITS, '0');
  return String(dateMs).padStart(TIME_DIGITS, '0') + hashDigits;
}

/** The epoch ms a log id was made with; undefined unless `logId` has at least the 16 time digits. */
export function logIdTimeMs(logId: string): number | undefined {
  if (!/^[0-9]{16}/.test(logId)) return undefined;
  return Number(logId.slice(0, TIME_DIGITS));
}
