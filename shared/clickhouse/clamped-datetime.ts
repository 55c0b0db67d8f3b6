// DateTime64's range. An event time is any valid ISO time, and an out-of-range one must not make
// an insert fail forever (a stalled partition); the exact time stays in the stored state.
const MIN_MS = Date.UTC(1900, 0, 1);
const MAX_MS = Date.UTC(2299, 11, 31, 23, 59, 59, 999);

/** ISO time → the text form both chDB and a server parse for DateTime64(3, 'UTC'), clamped to its range. */
export function toDateTime64(iso: string): string {
  const ms = Date.parse(iso);
  const clamped = Number.isFinite(ms) ? Math.min(MAX_MS, Math.max(MIN_MS, ms)) : MIN_MS;
  return new Date(clamped).toISOString().replace('T', ' ').replace('Z', '');
}
